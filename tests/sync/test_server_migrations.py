"""Server schema migrations, on SQLite and PostgreSQL: 0003 gives every scope row the newest
number of its record and the record's conflicts, and every step downgrades cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from sync.server.database import alembic_config, make_engine


def _to(engine: sa.Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
        yield engine
        engine.dispose()
        return
    base = request.getfixturevalue("postgres_url")
    name = f"ld_migrate_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(sa.make_url(base).set(database=name)
                         .render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_scope_rows_get_their_records_newest_number(empty_engine: sa.Engine) -> None:
    _to(empty_engine, "0002")
    quiet, clashed, linked_only = (str(uuid.uuid4()) for _ in range(3))
    with empty_engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO records (entity, entity_id, seq, fields, meta) "
                             "VALUES ('case', :a, 4, '{}', '{}'), ('case', :b, 7, '{}', '{}')"),
                     {"a": quiet, "b": clashed})
        conn.execute(sa.text(
            "INSERT INTO conflicts (id, seq, entity, entity_id, field, \"values\", status) "
            "VALUES (:id, 9, 'case', :b, 'risk', '[]', 'open')"),
            {"id": str(uuid.uuid4()), "b": clashed})
        conn.execute(sa.text("INSERT INTO record_scope (entity, entity_id, site_id) VALUES "
                             "('case', :a, 's1'), ('case', :b, 's1'), ('case', :b, 's2'), "
                             "('note', :c, 's1')"),
                     {"a": quiet, "b": clashed, "c": linked_only})
        conn.execute(sa.text("INSERT INTO seq_reservations (first_seq, last_seq, created_at) "
                             "VALUES (10, 12, :now)"), {"now": datetime.now(UTC)})
    newest = {(quiet, "s1"): 4, (clashed, "s1"): 9, (clashed, "s2"): 9, (linked_only, "s1"): 0}
    _to(empty_engine, "0008")
    assert _scope_numbers(empty_engine, "seq") == newest
    _to(empty_engine, "0009")          # 0009: the scope's own `seq` is gone, record_seq stays
    with empty_engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("record_scope")}
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("record_scope")}
    assert "seq" not in columns
    assert "ix_record_scope_site_seq" not in indexes
    assert _scope_numbers(empty_engine, "record_seq") == {
        (quiet, "s1"): 4, (clashed, "s1"): 7, (clashed, "s2"): 7, (linked_only, "s1"): 0}
    _to(empty_engine, "0008", down=True)   # back, and filled in again as 0003 did
    assert _scope_numbers(empty_engine, "seq") == newest
    _to(empty_engine, "0001", down=True)
    with empty_engine.connect() as conn:
        assert "seq_reservations" not in sa.inspect(conn).get_table_names()
        assert "seq" not in {c["name"] for c in sa.inspect(conn).get_columns("record_scope")}
    _to(empty_engine, "head")


def _scope_numbers(engine: sa.Engine, column: str) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        return {(row.entity_id, row.site_id): row.number for row in conn.execute(
            sa.text(f"SELECT entity_id, site_id, {column} AS number FROM record_scope"))}


def test_a_records_number_moves_its_scope_rows_from_0010(empty_engine: sa.Engine) -> None:
    """A write to `records` that forgot the scope rows (review, 30/11/2026) would hide the
    change from every workstation already past the old number: from 0010 the database
    moves them, and only what differs; back at 0009 it does not."""
    _to(empty_engine, "head")
    record, other = str(uuid.uuid4()), str(uuid.uuid4())
    with empty_engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO records (entity, entity_id, seq, fields, meta, body) VALUES "
            "('case', :a, 4, '{}', '{}', '{}'), ('case', :b, 5, '{}', '{}', '{}')"),
            {"a": record, "b": other})
        conn.execute(sa.text(
            "INSERT INTO record_scope (entity, entity_id, site_id, record_seq) VALUES "
            "('case', :a, 's1', 4), ('case', :a, 's2', 4), ('case', :b, 's1', 5)"),
            {"a": record, "b": other})
        conn.execute(sa.text("UPDATE records SET seq = 11 WHERE entity_id = :a"),
                     {"a": record})
    assert _scope_numbers(empty_engine, "record_seq") == {
        (record, "s1"): 11, (record, "s2"): 11, (other, "s1"): 5}
    _to(empty_engine, "0009", down=True)
    with empty_engine.begin() as conn:
        conn.execute(sa.text("UPDATE records SET seq = 12 WHERE entity_id = :a"),
                     {"a": record})
    assert _scope_numbers(empty_engine, "record_seq")[(record, "s1")] == 11
