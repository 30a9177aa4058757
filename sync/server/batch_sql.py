"""Many rows in one statement on PostgreSQL, plain SQLAlchemy elsewhere.

A push writes a few hundred rows across four tables. Sent row by row (executemany), each row
is a statement PostgreSQL parses, plans and answers, and each costs the server process
Python time to bind; sent as one JSON document unpacked by `json_populate_recordset`, a
table's rows are one statement with one parameter. Likewise a list of keys is one array
parameter (``= ANY(...)``), so the statement's text no longer changes with the list's
length and PostgreSQL can keep it prepared. SQLite, in process, gains nothing from either.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def one_of(conn: Connection, column: sa.ColumnElement[Any],
           values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``."""
    if not is_postgres(conn):
        return column.in_(values)
    return column == sa.any_(sa.bindparam(None, list(values),
                                          type_=postgresql.ARRAY(column.type)))


def insert_rows(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if not is_postgres(conn):
        conn.execute(sa.insert(table), rows)
        return
    conn.execute(sa.text(
        f"INSERT INTO {table.name} SELECT * FROM "
        f"json_populate_recordset(NULL::{table.name}, CAST(:rows AS json))"),
        {"rows": _json(rows)})


def update_rows(conn: Connection, table: sa.Table, keys: Sequence[str],
                changing: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Set ``changing`` columns of the rows found by ``keys`` (every row names both)."""
    if not rows:
        return
    if not is_postgres(conn):
        conn.execute(
            sa.update(table)
            .where(*(table.c[key] == sa.bindparam(f"k_{key}") for key in keys))
            .values({name: sa.bindparam(f"v_{name}") for name in changing}),
            [{**{f"k_{key}": row[key] for key in keys},
              **{f"v_{name}": row[name] for name in changing}} for row in rows])
        return
    assignments = ", ".join(f'"{name}" = v."{name}"' for name in changing)
    match = " AND ".join(f't."{key}" = v."{key}"' for key in keys)
    conn.execute(sa.text(
        f"UPDATE {table.name} AS t SET {assignments} FROM "
        f"json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) AS v WHERE {match}"),
        {"rows": _json(rows)})


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, separators=(",", ":"), default=_datetime)


def _datetime(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
