"""A push reads the records it touches key by key, however small PostgreSQL thinks the
tables are (issue 17, 1/12/2026): with 10,000 rows a table (the burst bench's size)
it chose to scan all of `records`, `record_scope` and `conflicts` and hash them, for every
push of 50; it would do so again for any table its statistics say is small."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from sync.server.batch_sql import int_array, text_array
from sync.server.database import analyze, make_engine
from sync.server.push_store import _READ

pytestmark = pytest.mark.postgres


def test_a_push_reads_its_records_scope_and_conflicts_through_their_indexes(
        fresh_postgres: str) -> None:
    engine = make_engine(fresh_postgres)
    with engine.begin() as conn:        # 10,000 rows in each of the three tables
        conn.execute(sa.text(
            "INSERT INTO record_scope (entity, entity_id, site_id, record_seq) "
            "SELECT 'case', gen_random_uuid()::text, 'site-' || (n % 20), n "
            "FROM generate_series(1, 10000) AS n"))
        conn.execute(sa.text(
            "INSERT INTO records (entity, entity_id, seq, fields, meta, body) "
            "SELECT 'case', gen_random_uuid()::text, n, '{}', '{}', '{}' "
            "FROM generate_series(1, 10000) AS n"))
        conn.execute(sa.text(
            "INSERT INTO conflicts (id, seq, entity, entity_id, field, \"values\", status) "
            "SELECT gen_random_uuid()::text, n, 'case', gen_random_uuid()::text, 'f', '[]', "
            "'open' FROM generate_series(1, 10000) AS n"))
    analyze(engine)
    keys = sorted(("case", str(uuid.uuid4())) for _ in range(50))
    params = {"entities": text_array(e for e, _ in keys), "ids": text_array(i for _, i in keys),
              "device_id": "dev-1", "seqs": int_array(range(1, 51)),
              "op_ids": text_array(str(uuid.uuid4()) for _ in range(50))}
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        with dbapi.cursor() as cursor:
            cursor.execute("EXPLAIN " + _READ.sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    engine.dispose()
    for table in ("record_scope", "records", "conflicts"):
        assert f"Seq Scan on {table}" not in plan, plan
    assert "pk_record_scope" in plan
    assert "pk_records" in plan
    assert "ix_conflicts_record" in plan
