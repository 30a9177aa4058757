"""Statements on the transaction's own DB-API connection, for the hot paths (issue 17).

A save and a people lookup are a dozen small statements each, and SQLAlchemy's per-statement
work (cache key, parameter processing, result set-up: about 50 us) cost more than SQLite's
own (5-10 us). Here the SQL text is fixed, so the driver's statement cache keeps each one
prepared; values go through the columns' own bind and result processors (the same
conversions SQLAlchemy applies: UUIDs as 32 hex digits, UTC datetimes, JSON, booleans), and
a driver error comes out as the ``sqlalchemy.exc`` error SQLAlchemy would have raised, so
callers and ``Store.unit_of_work`` classify it as before.

The statements run inside the session's transaction (``session.connection()``): they see
and are seen by the ORM's, and commit or roll back with them. Like a Core statement on that
connection, they do not flush the session first: callers flush where it matters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, make_transient_to_detached

Processor = Callable[[Any], Any] | None
T = TypeVar("T")


_DRIVER = "ld_driver"   # in session.info: (transaction, DB-API connection, dialect)


def _current(session: Session) -> tuple[Any, Dialect]:
    """The DB-API connection under the session's transaction (begun now if it was not) and
    its dialect, looked up once per transaction (``session.connection()`` is ~10 us and a
    save asks a dozen times)."""
    transaction = session.get_transaction()
    cached = session.info.get(_DRIVER)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1], cached[2]
    connection = session.connection()
    found = (connection.connection.driver_connection, connection.dialect)
    session.info[_DRIVER] = (session.get_transaction(), *found)
    return found


def driver(session: Session) -> Any:
    """The DB-API connection under the session's transaction (begun now if it was not)."""
    return _current(session)[0]


def run(connection: Any, dialect: Dialect, sql: str, params: Sequence[Any] | dict[str, Any]
        ) -> Any:
    """Execute ``sql`` on the DB-API ``connection``; a driver error is raised as SQLAlchemy
    would raise it (``IntegrityError``, ``OperationalError`` ...). Returns the cursor."""
    try:
        return connection.execute(sql, params)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error,
                                  hide_parameters=True, dialect=dialect) from exc


def execute(session: Session, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
    """``run`` on the session's transaction."""
    connection, dialect = _current(session)
    return run(connection, dialect, sql, params)


def dialect_of(session: Session) -> Dialect:
    return _current(session)[1]


class TableStatements:
    """A table's INSERT of every column, and its rows read back as mapped values, with
    the columns' processors (built once per table and dialect)."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        quote = dialect.identifier_preparer.quote
        columns = list(table.columns)
        self.keys = tuple(c.key for c in columns)
        self.names = ", ".join(quote(c.name) for c in columns)
        self.table = dialect.identifier_preparer.format_table(table)
        self.insert_sql = (f"INSERT INTO {self.table} ({self.names}) "
                           f"VALUES ({', '.join('?' * len(columns))})")
        self.select_by_id_sql = f"SELECT {self.names} FROM {self.table} WHERE id = ?"
        impls = [c.type.dialect_impl(dialect) for c in columns]
        self._binds: list[tuple[str, Processor]] = [
            (key, impl.bind_processor(dialect)) for key, impl in zip(self.keys, impls,
                                                                    strict=True)]
        self._bind_of = dict(self._binds)
        self._results: list[tuple[str, Processor]] = [
            (key, impl.result_processor(dialect, None)) for key, impl in zip(
                self.keys, impls, strict=True)]

    def bind(self, values: dict[str, Any]) -> list[Any]:
        """The INSERT's parameters from column key -> value, every column given (no
        column default is applied here: a missing key is a KeyError, not a NULL)."""
        try:
            return [values[key] if process is None else process(values[key])
                    for key, process in self._binds]
        except (TypeError, ValueError) as exc:   # a value the column refuses (naive time)
            raise StatementError(str(exc), self.insert_sql, None, exc,
                                 hide_parameters=True) from exc

    def bind_one(self, key: str, value: Any) -> Any:
        process = self._bind_of[key]
        return value if process is None else process(value)

    def result(self, row: Iterable[Any]) -> dict[str, Any]:
        """Column key -> Python value of a row selected in ``names`` order."""
        return {key: value if process is None else process(value)
                for (key, process), value in zip(self._results, row, strict=True)}


_TABLES: dict[tuple[type[Dialect], str], TableStatements] = {}


def statements_for(table: Table, dialect: Dialect) -> TableStatements:
    """Every store engine is made alike (``engine.open_engine``), so one set per table."""
    key = (type(dialect), table.name)
    found = _TABLES.get(key)
    if found is None:
        found = _TABLES[key] = TableStatements(table, dialect)
    return found


def get(session: Session, model: type[T], ident: uuid.UUID) -> T | None:
    """``session.get(model, ident)`` for a record keyed by one ``id`` column, without the
    ORM's query machinery (~0.3 ms, the largest single cost of a save): the row read with
    one prepared statement, the object put in the session as loaded (later changes to it
    flush as UPDATEs; ``session.get`` then finds it). Anything pending is flushed first, as
    ``session.get`` would; a record the session already holds is the ORM's to return."""
    mapper = inspect(model)
    if mapper.identity_key_from_primary_key((ident,)) in session.identity_map:
        return session.get(model, ident)
    session.flush()
    dialect = dialect_of(session)
    table = statements_for(cast(Table, mapper.local_table), dialect)
    row = run(driver(session), dialect, table.select_by_id_sql,
              (table.bind_one("id", ident),)).fetchone()
    if row is None:
        return None
    attributes = _ATTRIBUTES.get(model)
    if attributes is None:
        attributes = _ATTRIBUTES[model] = tuple(
            mapper.get_property_by_column(column).key for column in mapper.local_table.c)
    record = cast(T, mapper.class_manager.new_instance())
    record.__dict__.update(zip(attributes, table.result(row).values(), strict=True))
    make_transient_to_detached(record)
    session.add(record)
    return record


_ATTRIBUTES: dict[type[Any], tuple[str, ...]] = {}
