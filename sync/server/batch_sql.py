"""Many rows in one statement on PostgreSQL, plain SQLAlchemy elsewhere.

A push writes a few hundred rows across five tables. Sent row by row (executemany), each row
is a statement PostgreSQL parses, plans and answers, and each costs the server process
Python time to bind. Instead each table's rows travel as one JSON text parameter (an array
of objects, made by the C JSON encoder) read by `json_to_recordset`, and all the tables'
writes are one statement (data-modifying CTEs): one round trip, atomic even in autocommit.
JSON columns travel as their JSON *text* inside it and are cast back to `json`, which
PostgreSQL keeps as it is: any string a client sent, a NUL character or a lone surrogate
included, is stored as it was (decoded into text, PostgreSQL would refuse those). (Until
30/11/2026 the rows went as one binary array per column: psycopg packs each element in
Python, 18 % of a push's server time, issue 17.) A list of keys is one array parameter
(``= ANY(...)``), so the statement's text no longer changes with the list's length and
PostgreSQL can keep it prepared. SQLite, in process, gains nothing from either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from pydantic_core import PydanticSerializationError, to_json
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


#: a ``:name`` parameter as `sa.text` finds it (not ``::`` casts, not ``\:``)
_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?![:\w])")


class PgText:
    """A PostgreSQL statement written as for `sa.text` (``:name`` parameters), run on the
    connection's psycopg cursor itself, its rows as named tuples.

    Through `sa.text` a statement cost the server process ~90 µs of CPU before PostgreSQL
    saw it (compiling, then a result object typed from the cursor's description); through
    `exec_driver_sql` still ~35 µs, two thirds of it building that result. A push runs five
    statements and every request one more (issue 17). Parameters are adapted by psycopg as
    before (the same dumpers, the same prepared statements); JSON columns come back
    decoded. A psycopg error is raised as SQLAlchemy raises it (`DBAPIError.instance`:
    `IntegrityError`, `OperationalError`… with ``.orig`` and its SQLSTATE, parameters hidden
    as the engine hides them), and a connection PostgreSQL dropped is invalidated, as
    SQLAlchemy does. Only for statements that need no SQLAlchemy event (nothing here
    listens to them)."""

    __slots__ = ("sql",)

    def __init__(self, sql: str) -> None:
        self.sql = _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        # PostgreSQL only: imported here, since the workstation's bundle (the embedded
        # SQLite server inside) leaves psycopg out
        import psycopg
        from psycopg.rows import namedtuple_row

        pooled = conn.connection
        dbapi = pooled.driver_connection
        assert isinstance(dbapi, psycopg.Connection)
        try:
            with dbapi.cursor(row_factory=namedtuple_row) as cursor:
                cursor.execute(self.sql, params)
                return cursor.fetchall() if cursor.description is not None else []
        except psycopg.Error as exc:
            dropped = conn.dialect.is_disconnect(cast(Any, exc), pooled, None)
            error = sa.exc.DBAPIError.instance(self.sql, params, exc, psycopg.Error,
                                               hide_parameters=True,
                                               connection_invalidated=dropped,
                                               dialect=conn.dialect)
            if dropped:
                conn.invalidate(exc)
            raise error from exc

    def one(self, conn: Connection, params: dict[str, Any]) -> Any:
        """The one row (as `Result.one`)."""
        rows = self.rows(conn, params)
        if len(rows) != 1:
            raise (sa.exc.NoResultFound if not rows else sa.exc.MultipleResultsFound)(
                f"{len(rows)} rows where one was expected")
        return rows[0]

    def first(self, conn: Connection, params: dict[str, Any]) -> Any | None:
        """The first row, or None (as `Result.first`)."""
        rows = self.rows(conn, params)
        return rows[0] if rows else None


def one_of(conn: Connection, column: sa.ColumnElement[Any],
           values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``."""
    if not is_postgres(conn):
        return column.in_(values)
    return column == sa.any_(sa.bindparam(None, list(values),
                                          type_=postgresql.ARRAY(column.type)))


def int_array(values: Iterable[int]) -> str:
    """PostgreSQL's text form of an array of whole numbers, ``{1,-2,3}``, for a statement
    to cast (``CAST(:keys AS bigint[])``). Made by C string calls: psycopg's binary list
    dumper packs every element in Python, twice the CPU for a push's lists (issue 17)."""
    return "{" + ",".join(map(str, values)) + "}"


def text_array(values: Iterable[str]) -> str:
    """PostgreSQL's text form of an array of text, for a statement to cast (``CAST(:ids AS
    text[])``): every element double-quoted, with the only two characters a quoted element
    must escape, backslash and double quote, escaped; so braces, commas, spaces and the
    word NULL stay text. Values must be storable text (no NUL, no lone surrogate), as the
    keys a push reads are (`push_store._storable_names`). Ids and entity names seldom hold
    either character: then the elements are joined as they are, in one call."""
    values = list(values)
    if not values:
        return "{}"
    joined = '","'.join(values)
    if "\\" in joined or '"' in joined:
        joined = '","'.join([value.replace("\\", "\\\\").replace('"', '\\"')
                             for value in values])
    return '{"' + joined + '"}'


class JsonText(str):
    """A JSON column's value already encoded as JSON text (an op or a result encoded by its
    model's own serializer): `rows_as_json` passes it through instead of encoding it again."""

    __slots__ = ()


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
        """Each table's rows as one executemany, in the caller's transaction (a value already
        encoded, `JsonText`, decoded for the column's own JSON type to encode)."""
        for write in self.writes:
            rows = [{name: json.loads(value) if isinstance(value, JsonText) else value
                     for name, value in row.items()} for row in write.rows]
            if not write.keys:
                conn.execute(sa.insert(write.table), rows)
                continue
            conn.execute(
                sa.update(write.table)
                .where(*(write.table.c[key] == sa.bindparam(f"k_{key}") for key in write.keys))
                .values({name: sa.bindparam(f"v_{name}") for name in write.changing}),
                [{**{f"k_{key}": row[key] for key in write.keys},
                  **{f"v_{name}": row[name] for name in write.changing}} for row in rows])

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
            values[f"w{n}"] = rows_as_json(columns, write.rows)
            quoted = ", ".join(f'"{name}"' for name in names)
            declared = ", ".join(f'"{c.name}" {_declared(c, conn)}' for c in columns)
            source = f"json_to_recordset(CAST(:w{n} AS json)) AS v({declared})"
            cast = ", ".join(_from_text(c, f'v."{c.name}"') for c in columns)
            if not write.keys:
                ctes.append(f"write_{n} AS (INSERT INTO {write.table.name} ({quoted}) "
                            f"SELECT {cast} FROM {source})")
                continue
            assignments = ", ".join(f'"{name}" = ' + _from_text(write.table.c[name], f'v."{name}"')
                                    for name in write.changing)
            match = " AND ".join(f't."{key}" = v."{key}"' for key in write.keys)
            ctes.append(f"write_{n} AS (UPDATE {write.table.name} AS t SET {assignments} "
                        f"FROM {source} WHERE {match})")
        PgText(f"WITH {', '.join(ctes)} {then}").rows(conn, values)


def rows_as_json(columns: Sequence[sa.Column[Any]], rows: list[dict[str, Any]]) -> str:
    """The rows as one JSON array of objects, each JSON column's value as its JSON *text*
    (a string, so `json_to_recordset` hands it over unchanged: NUL characters and lone
    surrogates stay JSON escapes; decoded, PostgreSQL text could not hold them), times in
    ISO 8601. Encoded by pydantic-core's serializer (Rust, about five times the standard
    library's speed on these rows), or by `json` when a value is text UTF-8 cannot carry."""
    # plain `str` names: SQLAlchemy's are a subclass, which the serializer inspects slowly
    convert: list[tuple[str, Callable[[Any], Any]]] = [
        (str(c.name), _json_text if isinstance(c.type, sa.JSON) else _iso)
        for c in columns if isinstance(c.type, sa.JSON)
        or isinstance(getattr(c.type, "impl", c.type), sa.DateTime)]
    names = [str(c.name) for c in columns]
    # the columns as they are, then the few converted (one call per converted cell only)
    table = [{**{name: row[name] for name in names},
              **{name: to(row[name]) for name, to in convert}} for row in rows]
    return json_text(table)


def json_text(value: Any) -> str:
    """``json.dumps(value)`` in meaning (the same values once decoded; NaN and infinities
    kept as `json` writes them, so PostgreSQL refuses them as it always has), made by
    pydantic-core; `json` itself only for text UTF-8 cannot carry (a lone surrogate)."""
    try:
        return to_json(value, inf_nan_mode="constants").decode()
    except (PydanticSerializationError, UnicodeDecodeError):
        return json.dumps(value)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, JsonText):
        return str(value)           # a plain `str` again, which the serializer takes as it is
    return json_text(value)


def _iso(value: datetime | None) -> str | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime refused: use an aware UTC datetime")
    return None if value is None else value.isoformat()


def _declared(column: sa.Column[Any], conn: Connection) -> str:
    return "text" if isinstance(column.type, sa.JSON) else \
        str(column.type.compile(conn.dialect))


def _from_text(column: sa.Column[Any], value: str) -> str:
    """JSON columns arrive as JSON text and are cast; the rest arrive typed."""
    return f"CAST({value} AS json)" if isinstance(column.type, sa.JSON) else value
