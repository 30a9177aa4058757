"""Fixed SQL with values encoded here, once, for the hot paths (issue 17).

A save and a people lookup are a dozen small statements each, and SQLAlchemy's per-statement
work (cache key, parameter processing, result set-up: about 50 us) cost more than SQLite's
own (5-10 us); a pulled page is a thousand rows, and a Core ``executemany`` builds a
parameter dictionary and runs the type processing per parameter of every row. Here the SQL
text is fixed, so the driver's statement cache keeps each one prepared, and every value goes
through its column's own bind processor (``bind_processor``: the function SQLAlchemy would
call, or the same text in fewer frames for UTC datetimes and JSON; UUIDs as 32 hex digits,
booleans as 0/1), looked up once per table and dialect (``TableStatements``). Two ways to run
them:

* one statement on the transaction's DB-API connection (``run``, ``execute``, ``get``): a
  save's statements. A driver error comes out as the ``sqlalchemy.exc`` error SQLAlchemy
  would have raised, so callers and ``Store.unit_of_work`` classify it as before.
* many rows of one INSERT or UPDATE (``insert_rows``, ``update_rows``): a pulled page's.
  They go through ``exec_driver_sql`` on the session's own connection, so SQLAlchemy's
  statement events and error handling see them. No Python or SQL defaults run here
  (callers give every column they mean to set).

The statements run inside the session's transaction (``session.connection()``): they see
and are seen by the ORM's, and commit or roll back with them. Like a Core statement on that
connection, they do not flush the session first: callers flush where it matters.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import repeat
from json import encoder as json_encoder
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import JSON, Connection, Table, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.types import TypeEngine

from ld_desktop.store.models.base import UTCDateTime

Processor = Callable[[Any], Any] | None
T = TypeVar("T")


class _Many(NamedTuple):
    sql: str
    order: tuple[str, ...]
    processors: tuple[Processor, ...]


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
        if dialect.paramstyle != "qmark":   # the store is SQLite; say so if it changes
            raise RuntimeError(
                f"The store's prepared statements are written with '?' (qmark) parameters, "
                f"as SQLite takes them; the {dialect.name} dialect uses "
                f"{dialect.paramstyle!r}. Use the ORM for this engine, or teach "
                f"store/prepared.py its parameter style.")
        quote = dialect.identifier_preparer.quote
        columns = list(table.columns)
        self.keys = tuple(c.key for c in columns)
        self.names = ", ".join(quote(c.name) for c in columns)
        self.table = dialect.identifier_preparer.format_table(table)
        self.insert_sql = (f"INSERT INTO {self.table} ({self.names}) "
                           f"VALUES ({', '.join('?' * len(columns))})")
        self.select_by_id_sql = f"SELECT {self.names} FROM {self.table} WHERE id = ?"
        self._dialect = dialect
        self._columns = table.c
        self._binds: list[tuple[str, Processor]] = [
            (c.key, bind_processor(c.type, dialect)) for c in columns]
        self._bind_of = dict(self._binds)
        self._results: list[tuple[str, Processor]] = [
            (c.key, c.type.dialect_impl(dialect).result_processor(dialect, None))
            for c in columns]
        self._many: dict[tuple[str, tuple[str, ...]], _Many] = {}

    def bind(self, values: dict[str, Any]) -> list[Any]:
        """The INSERT's parameters from column key -> value, every column given (no
        column default is applied here: a missing key is a KeyError, not a NULL)."""
        try:
            return [values[key] if process is None else process(values[key])
                    for key, process in self._binds]
        except (TypeError, ValueError) as exc:   # a value the column refuses (naive time)
            raise StatementError(str(exc), self.insert_sql, None, exc,
                                 hide_parameters=True) from exc

    def bind_processor(self, key: str) -> Processor:
        """The column's bind processor (None: the value as it is)."""
        return self._bind_of[key]

    def bind_one(self, key: str, value: Any) -> Any:
        process = self._bind_of[key]
        return value if process is None else process(value)

    def result(self, row: Iterable[Any]) -> dict[str, Any]:
        """Column key -> Python value of a row selected in ``names`` order."""
        return {key: value if process is None else process(value)
                for (key, process), value in zip(self._results, row, strict=True)}

    def result_processor(self, key: str) -> Processor:
        """The column's result processor (None: the driver's value as it is)."""
        return dict(self._results)[key]

    def many(self, kind: str, keys: tuple[str, ...]) -> _Many:
        """The ``insert`` (of ``keys``) or ``update`` (of ``keys`` other than ``id``, by
        ``id``) statement, its parameters' order and their processors."""
        found = self._many.get((kind, keys))
        if found is not None:
            return found
        quote = self._dialect.identifier_preparer
        column = self._columns
        if kind == "insert":
            order = keys
            sql = (f"INSERT INTO {self.table} "
                   f"({', '.join(quote.format_column(column[k]) for k in order)})"
                   f" VALUES ({', '.join('?' for _ in order)})")
        else:
            order = (*(k for k in keys if k != "id"), "id")
            sets = ", ".join(f"{quote.format_column(column[k])} = ?" for k in order[:-1])
            sql = f"UPDATE {self.table} SET {sets} WHERE {quote.format_column(column.id)} = ?"
        found = _Many(sql, order, tuple(self._bind_of[k] for k in order))
        self._many[(kind, keys)] = found
        return found


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


def insert_rows(conn: Connection, table: Table, keys: tuple[str, ...],
                rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT INTO table (keys...)`` once per row; every row has exactly ``keys``."""
    if rows:
        _execute_many(conn, statements_for(table, conn.dialect).many("insert", keys), rows)


def insert_stored_rows(conn: Connection, table: Table, keys: tuple[str, ...],
                       rows: Sequence[tuple[Any, ...]]) -> None:
    """``INSERT INTO table (keys...)`` of rows whose values are already in their stored
    form, in ``keys`` order (``new_rows``): handed to the driver as they are."""
    if rows:
        conn.exec_driver_sql(statements_for(table, conn.dialect).many("insert", keys).sql,
                             rows)


def update_rows(conn: Connection, table: Table, keys: tuple[str, ...],
                rows: Sequence[dict[str, Any]]) -> None:
    """``UPDATE table SET (keys other than id) WHERE id = row["id"]`` once per row."""
    if rows:
        _execute_many(conn, statements_for(table, conn.dialect).many("update", keys), rows)


def _execute_plain(conn: Connection, many: _Many, rows: Sequence[dict[str, Any]]) -> None:
    conn.exec_driver_sql(many.sql, [tuple([row[k] for k in many.order]) for row in rows])


def _execute_many(conn: Connection, many: _Many, rows: Sequence[dict[str, Any]]) -> None:
    if not any(many.processors):
        _execute_plain(conn, many, rows)
        return
    pairs = tuple(zip(many.order, many.processors, strict=True))
    conn.exec_driver_sql(many.sql, [
        tuple([row[k] if p is None else p(row[k]) for k, p in pairs]) for row in rows])


def bind_processor(column_type: TypeEngine[Any], dialect: Dialect) -> Processor:
    """SQLAlchemy's bind processor for the column, except where the same text comes from
    fewer Python frames: ``UTCDateTime`` on SQLite (``utc_text``) and JSON columns with
    the dialect's default serializer (``json_text``); ``tests/store/test_prepared_values.py``
    holds them equal."""
    if isinstance(column_type, UTCDateTime) and dialect.name == "sqlite":
        return utc_text
    processor = column_type._cached_bind_processor(dialect)
    if (processor is not None and type(column_type) is JSON and not column_type.none_as_null
            and getattr(dialect, "_json_serializer", None) is None):
        return _json_text(processor)
    return processor


def utc_text(value: datetime | None) -> str | None:
    """What ``UTCDateTime`` over SQLite's ``DATETIME`` stores, naive datetimes refused."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime refused: use timezone-aware UTC datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# ``json.dumps(value)``'s own C encoder, made once rather than on every call (~3x faster for
# the small values stored here); without the circular-reference check, so a cycle (never in
# a decoded or stored value) falls back to ``json.dumps`` to be refused as it would be.
_MAKE_ENCODER = getattr(json_encoder, "c_make_encoder", None)   # None without the C module
_C_ENCODER = None if _MAKE_ENCODER is None else _MAKE_ENCODER(
    None, json.JSONEncoder().default, json_encoder.encode_basestring_ascii, None, ": ", ", ",
    False, False, True)


def _json_text(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``json.dumps(value)``, what SQLAlchemy's JSON type stores (``None`` as ``null``);
    anything else (a scalar, ``JSON.NULL``, a value it refuses) to SQLAlchemy's own."""
    if _C_ENCODER is None:
        return fallback
    encode = _C_ENCODER

    def json_text(value: Any) -> Any:
        if isinstance(value, dict | list) or value is None:
            try:
                return "".join(encode(value, 0))
            except (TypeError, ValueError, RecursionError):
                pass
        return fallback(value)
    _JSON_TEXTS.add(json_text)
    return json_text


_JSON_TEXTS: set[Callable[[Any], Any]] = set()


def is_json_text(processor: Processor) -> bool:
    """Whether this bind processor is ``json_text`` (``json.dumps`` of the value)."""
    return processor in _JSON_TEXTS


def json_texts(values: list[Any]) -> list[str] | None:
    """``json_text`` of each value, in one C-level pass over a column of lists and dicts
    (a pulled batch's); None if a value is anything else, or the encoder refuses one (the
    caller then takes them one at a time)."""
    if _C_ENCODER is None or not _CONTAINERS.issuperset(map(type, values)):
        return None
    try:
        return list(map("".join, map(_C_ENCODER, values, repeat(0))))
    except (TypeError, ValueError, RecursionError):
        return None


_CONTAINERS = frozenset({dict, list})
