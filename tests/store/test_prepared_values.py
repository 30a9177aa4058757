"""Values encoded by ``store/prepared.py`` (a save's statements, a pulled page's rows) are
exactly what SQLAlchemy stores: the same text for UUIDs, datetimes, dates, JSON and
booleans, read back the same through the ORM."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
    insert,
    select,
    text,
)

from ld_desktop.store.models.base import UTCDateTime
from ld_desktop.store.prepared import bind_processor, insert_rows, update_rows, utc_text

AWARE = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                                timezone(timedelta(hours=-11))]))


@settings(deadline=None)   # timing on a shared machine is not what this checks
@given(AWARE)
def test_datetimes_are_the_text_sqlalchemy_stores(value: datetime) -> None:
    from sqlalchemy.dialects import sqlite

    assert utc_text(value) == UTCDateTime()._cached_bind_processor(sqlite.dialect())(value)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@settings(deadline=None)
@given(JSON_VALUES)
def test_json_is_the_text_sqlalchemy_stores(value: object) -> None:
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    assert bind_processor(JSON(), dialect)(value) == JSON()._cached_bind_processor(dialect)(
        value)


def test_json_sqlalchemy_refuses_is_refused_the_same_way() -> None:
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    process = bind_processor(JSON(), dialect)
    assert process(JSON.NULL) == "null"
    with pytest.raises(TypeError, match="not JSON serializable"):
        process({"when": datetime(2026, 11, 30, tzinfo=UTC)})
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular"):
        process(looped)


def test_a_naive_datetime_is_refused_as_the_column_type_refuses_it() -> None:
    with pytest.raises(ValueError, match="naive"):
        utc_text(datetime(2026, 11, 30, 9, 0))
    assert utc_text(None) is None


def test_rows_hold_what_a_core_executemany_stores() -> None:
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Uuid, primary_key=True),
                  Column("at", UTCDateTime), Column("day", Date), Column("doc", JSON),
                  Column("flag", Boolean), Column("name", String))
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [{"id": uuid.uuid4(), "at": datetime(2026, 11, 30, 9, 1, 2, 345, tzinfo=UTC),
             "day": datetime(2026, 1, 2).date(), "doc": {"a": [1, "ü"], "b": None},
             "flag": True, "name": "Ann O'Neil"},
            {"id": uuid.uuid4(), "at": None, "day": None, "doc": None, "flag": False,
             "name": None}]
    keys = tuple(sorted(rows[0]))
    with engine.begin() as conn:
        insert_rows(conn, table, keys, rows)
        ours = conn.execute(text("SELECT * FROM t ORDER BY name")).all()
        conn.execute(text("DELETE FROM t"))
        conn.execute(insert(table), rows)
        core = conn.execute(text("SELECT * FROM t ORDER BY name")).all()
        assert ours == core
        changed = [{**rows[0], "name": "Bo", "doc": [], "flag": False}]
        update_rows(conn, table, ("doc", "flag", "id", "name"), changed)
        after = conn.execute(select(table).where(table.c.id == rows[0]["id"])).one()
        assert (after.name, after.doc, after.flag, after.at) == ("Bo", [], False, rows[0]["at"])


def test_a_dialect_without_qmark_parameters_is_refused_clearly() -> None:
    """The statements are written with '?': on another dialect (PostgreSQL's psycopg uses
    pyformat) they would be wrong SQL, so building one is refused with a RuntimeError that
    says why (it was a NotImplementedError, which reads as a missing feature)."""
    from sqlalchemy.dialects import postgresql

    from ld_desktop.store.prepared import TableStatements

    table = Table("t_dialect_guard", MetaData(), Column("id", Uuid, primary_key=True),
                  Column("name", String))
    with pytest.raises(RuntimeError, match=r"qmark.*postgresql.*pyformat") as refused:
        TableStatements(table, postgresql.psycopg.dialect())   # its insert and select too
    assert refused.type is RuntimeError       # NotImplementedError is a RuntimeError too


def test_none_is_bound_as_null_through_the_registered_adapter(tmp_path: Path) -> None:
    """``engine`` registers an adapter for None with sqlcipher3 (binding a None was ~0.8 us
    without one): it is still stored as NULL, still refused by NOT NULL, still IS NULL."""
    import sqlcipher3

    from ld_desktop.store import engine as store_engine

    assert sqlcipher3.adapters[(type(None), sqlcipher3.PrepareProtocol)] is store_engine._null
    conn = store_engine.open_raw_connection(tmp_path / "n.db", bytearray(32))
    try:
        conn.execute("CREATE TABLE t (a, b NOT NULL DEFAULT 1)")
        conn.execute("INSERT INTO t (a, b) VALUES (?, 2)", (None,))
        conn.executemany("INSERT INTO t (a, b) VALUES (?, ?)", [(None, 3), ("x", 4)])
        assert conn.execute("SELECT typeof(a) FROM t ORDER BY b").fetchall() == [
            ("null",), ("null",), ("text",)]
        assert conn.execute("SELECT ? IS NULL", (None,)).fetchone() == (1,)
        with pytest.raises(sqlcipher3.IntegrityError, match="NOT NULL"):
            conn.execute("INSERT INTO t (a, b) VALUES (1, ?)", (None,))
    finally:
        conn.close()
