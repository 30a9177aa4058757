"""Batched INSERTs and UPDATEs of one table, with the values encoded here, once.

A Core ``executemany`` builds a parameter dictionary per row and runs SQLAlchemy's type
processing per parameter, which was about 30 % of applying a pulled page (issue 17). Here
each column's bind processor (the very function SQLAlchemy would call: UUIDs to hex text,
aware datetimes to naive UTC text, JSON to text, booleans to 0/1) is looked up once, each
row becomes a tuple, and the DB-API cursor's ``executemany`` gets them through
``exec_driver_sql`` on the session's own connection: the same transaction, the same
statement events. What is stored is what the Core statement would have stored; no Python
or SQL defaults run here (callers give every column they mean to set).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from ld_desktop.store.models.base import UTCDateTime

_Processor = Callable[[Any], Any] | None
_Plan = tuple[str, tuple[str, ...], tuple[_Processor, ...]]
_PLANS: dict[tuple[str, str, str, tuple[str, ...]], _Plan] = {}


def insert_rows(conn: Connection, table: Table, keys: tuple[str, ...],
                rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT INTO table (keys...)`` once per row; every row has exactly ``keys``."""
    if rows:
        _execute(conn, _plan(conn, table, "insert", keys), rows)


def update_rows(conn: Connection, table: Table, keys: tuple[str, ...],
                rows: Sequence[dict[str, Any]]) -> None:
    """``UPDATE table SET (keys other than id) WHERE id = row["id"]`` once per row."""
    if rows:
        _execute(conn, _plan(conn, table, "update", keys), rows)


def _execute(conn: Connection, plan: _Plan, rows: Sequence[dict[str, Any]]) -> None:
    sql, order, processors = plan
    if not any(processors):
        conn.exec_driver_sql(sql, [tuple([row[k] for k in order]) for row in rows])
        return
    pairs = tuple(zip(order, processors, strict=True))
    conn.exec_driver_sql(sql, [
        tuple([row[k] if p is None else p(row[k]) for k, p in pairs]) for row in rows])


def _plan(conn: Connection, table: Table, kind: str, keys: tuple[str, ...]) -> _Plan:
    dialect = conn.dialect
    cache_key = (dialect.name, kind, table.name, keys)
    found = _PLANS.get(cache_key)
    if found is not None:
        return found
    if dialect.paramstyle != "qmark":   # the store is SQLite; say so if that ever changes
        raise NotImplementedError(f"encoded rows need qmark parameters, not "
                                  f"{dialect.paramstyle}")
    quote = dialect.identifier_preparer
    name = quote.format_table(table)
    if kind == "insert":
        order = keys
        sql = (f"INSERT INTO {name} ({', '.join(quote.format_column(table.c[k]) for k in order)})"
               f" VALUES ({', '.join('?' for _ in order)})")
    else:
        order = (*(k for k in keys if k != "id"), "id")
        sets = ", ".join(f"{quote.format_column(table.c[k])} = ?" for k in order[:-1])
        sql = f"UPDATE {name} SET {sets} WHERE {quote.format_column(table.c.id)} = ?"
    processors = tuple(_processor(table.c[k].type, dialect) for k in order)
    found = (sql, order, processors)
    _PLANS[cache_key] = found
    return found


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> _Processor:
    """SQLAlchemy's bind processor for the column, except for ``UTCDateTime`` on SQLite:
    there the same text (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC) in one C call instead
    of three Python frames (``tests/store/test_encoded_rows.py`` holds them equal)."""
    if isinstance(column_type, UTCDateTime) and dialect.name == "sqlite":
        return utc_text
    return column_type._cached_bind_processor(dialect)


def utc_text(value: datetime | None) -> str | None:
    """What ``UTCDateTime`` over SQLite's ``DATETIME`` stores, naive datetimes refused."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime refused: use timezone-aware UTC datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
