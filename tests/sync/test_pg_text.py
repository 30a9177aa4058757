"""`PgText` runs a statement on psycopg's cursor itself (issue 17), yet fails as SQLAlchemy
fails: the same exception classes with the SQLSTATE the push's retries look at, parameters
kept out of the message, and a connection PostgreSQL dropped invalidated, so the pool
replaces it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from sync.server.batch_sql import PgText
from sync.server.database import make_engine

pytestmark = pytest.mark.postgres
SECRET = "Fictional-Secret-Name"


@pytest.fixture
def engine(fresh_postgres: str) -> Iterator[sa.Engine]:
    engine = make_engine(fresh_postgres, pool_size=2)
    yield engine
    engine.dispose()


def test_a_failing_statement_raises_what_sqlalchemy_raises(engine: sa.Engine) -> None:
    insert = PgText("INSERT INTO counter (id, value) VALUES (1, :value)")   # id 1 exists
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        with pytest.raises(sa.exc.IntegrityError) as raised:
            insert.rows(conn, {"value": 7})
        assert raised.value.orig.sqlstate == "23505"            # type: ignore[union-attr]
        with pytest.raises(sa.exc.DataError) as raised:
            PgText("SELECT CAST(:name AS text) || (1 / 0)").rows(conn, {"name": SECRET})
        assert SECRET not in str(raised.value)
        assert "parameters hidden" in str(raised.value)
        assert PgText("SELECT 1 AS one").one(conn, {}).one == 1   # still usable
        with pytest.raises(sa.exc.NoResultFound):
            PgText("SELECT 1 WHERE false").one(conn, {})
        assert PgText("SELECT 1 WHERE false").first(conn, {}) is None


def test_a_dropped_connection_is_invalidated_and_replaced(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        pid = PgText("SELECT pg_backend_pid() AS pid").one(conn, {}).pid
        with engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        with pytest.raises(sa.exc.DBAPIError) as raised:
            PgText("SELECT 1").rows(conn, {})
        assert raised.value.connection_invalidated
        assert conn.invalidated
    with engine.connect() as conn:
        assert PgText("SELECT pg_backend_pid() AS pid").one(conn, {}).pid != pid
