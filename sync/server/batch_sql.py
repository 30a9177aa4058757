"""Many rows in one statement on PostgreSQL, plain SQLAlchemy elsewhere.

A push writes a few hundred rows across five tables. Sent row by row (executemany), each row
is a statement PostgreSQL parses, plans and answers, and each costs the server process
Python time to bind. Instead each column of a table's rows travels as one array parameter
unpacked by `unnest`, and all the tables' writes are one statement (data-modifying CTEs):
one round trip, atomic even in autocommit. JSON columns travel as `json[]` of JSON text,
which PostgreSQL keeps as it is: any string a client sent, a NUL character or a lone
surrogate included, is stored as it was before (`json_populate_recordset`, tried first,
turns every string into text and refuses those). Likewise a list of keys is one array
parameter (``= ANY(...)``), so the statement's text no longer changes with the list's
length and PostgreSQL can keep it prepared. SQLite, in process, gains nothing from either.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class _Write:
    table: sa.Table
    rows: list[dict[str, Any]]
    keys: tuple[str, ...] = ()        # none: an insert
    changing: tuple[str, ...] = ()


@dataclass
class WriteBatch:
    """Rows to insert and update, run one table at a time or as one statement."""

    writes: list[_Write] = field(default_factory=list)

    def insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.writes.append(_Write(table, rows))

    def update(self, table: sa.Table, keys: Sequence[str], changing: Sequence[str],
               rows: list[dict[str, Any]]) -> None:
        """Set ``changing`` columns of the rows found by ``keys`` (each row names both)."""
        if rows:
            self.writes.append(_Write(table, rows, tuple(keys), tuple(changing)))

    def run(self, conn: Connection) -> None:
        """Each table's rows as one executemany, in the caller's transaction."""
        for write in self.writes:
            if not write.keys:
                conn.execute(sa.insert(write.table), write.rows)
                continue
            conn.execute(
                sa.update(write.table)
                .where(*(write.table.c[key] == sa.bindparam(f"k_{key}") for key in write.keys))
                .values({name: sa.bindparam(f"v_{name}") for name in write.changing}),
                [{**{f"k_{key}": row[key] for key in write.keys},
                  **{f"v_{name}": row[name] for name in write.changing}} for row in write.rows])

    def run_as_one_statement(self, conn: Connection, then: str, params: dict[str, Any],
                             before: Sequence[str] = ()) -> None:
        """PostgreSQL: every write a data-modifying CTE of one statement, which is atomic
        even in autocommit (all or nothing, one round trip). ``before`` are more CTEs and
        ``then`` the final SELECT, both free to use ``params``."""
        ctes = list(before)
        values = dict(params)
        for n, write in enumerate(self.writes):
            names = [*write.keys, *write.changing] if write.keys else list(write.rows[0])
            columns = [write.table.c[name] for name in names]
            arrays = []
            for k, column in enumerate(columns):
                values[f"w{n}_{k}"] = _column_values(column, write.rows)
                arrays.append(f"CAST(:w{n}_{k} AS {column.type.compile(conn.dialect)}[])")
            quoted = ", ".join(f'"{name}"' for name in names)
            source = f"unnest({', '.join(arrays)}) AS v({quoted})"
            if not write.keys:
                ctes.append(f"write_{n} AS (INSERT INTO {write.table.name} ({quoted}) "
                            f"SELECT * FROM {source})")
                continue
            assignments = ", ".join(f'"{name}" = v."{name}"' for name in write.changing)
            match = " AND ".join(f't."{key}" = v."{key}"' for key in write.keys)
            ctes.append(f"write_{n} AS (UPDATE {write.table.name} AS t SET {assignments} "
                        f"FROM {source} WHERE {match})")
        conn.execute(sa.text(f"WITH {', '.join(ctes)} {then}"), values)


def _column_values(column: sa.Column[Any], rows: list[dict[str, Any]]) -> list[Any]:
    if isinstance(column.type, sa.JSON):      # JSON text; None stays SQL NULL
        return [None if row[column.name] is None else json.dumps(row[column.name])
                for row in rows]
    return [row[column.name] for row in rows]
