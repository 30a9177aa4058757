"""PostgreSQL's own log never quotes a failed statement's values for the server's
connections: ``log_parameter_max_length_on_error`` is 0 in every session the server opens,
even where the database (or role) is set to log them; the other logging settings that can
quote record fragments need a superuser and are documented (docs/sync.md)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sync.server.database import make_engine

pytestmark = pytest.mark.postgres


def _show(engine: sa.Engine, name: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text(f"SHOW {name}")).scalar_one())


def test_the_servers_sessions_never_log_a_failed_statements_values(postgres_url: str) -> None:
    name = sa.make_url(postgres_url).database
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:     # a DBA turned it on for the database
        conn.execute(sa.text(
            f'ALTER DATABASE "{name}" SET log_parameter_max_length_on_error = 64'))
    admin.dispose()                   # database settings apply to new sessions
    try:
        assert _show(admin, "log_parameter_max_length_on_error") in {"64", "64B"}
        engine = make_engine(postgres_url, pool_size=1)
        try:
            assert _show(engine, "log_parameter_max_length_on_error") in {"0", "0B"}
            assert _show(engine, "application_name").startswith("ld-sync-server ")
        finally:
            engine.dispose()
        # options the deployment's URL gives are kept, with this one after them
        with_options = sa.make_url(postgres_url).update_query_dict(
            {"options": "-c statement_timeout=12345"}).render_as_string(hide_password=False)
        engine = make_engine(with_options, pool_size=1)
        try:
            assert _show(engine, "statement_timeout") == "12345ms"
            assert _show(engine, "log_parameter_max_length_on_error") in {"0", "0B"}
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                f'ALTER DATABASE "{name}" RESET log_parameter_max_length_on_error'))
        admin.dispose()
