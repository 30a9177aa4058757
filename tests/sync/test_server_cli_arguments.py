"""ld-sync-server refuses bad arguments with exit 2 and one line, never a traceback (issue 13
item 8): an expiry out of range or negative, a blank site, an unreachable or unusable
database; and `devices` prints device names with control characters escaped."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync.memory_replica import MemoryReplica
from sync.protocol import MAX_OPS_PER_PUSH
from sync.server import push_store, registry
from sync.server.cli import main
from sync.server.database import make_engine, migrate
from sync.server.settings import ServerSettings
from sync.wire import EnrolRequest

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:   # argparse refusals exit from inside parse_args
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code == 2, (argv, out)
    assert "Traceback" not in out.err
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith("ld-sync-server")
    return lines[0]


@pytest.mark.parametrize(("argv", "words"), [
    (["enrol-code", "--site", "Northgate", "--expires", "999999999999"], "between 1 and"),
    (["enrol-code", "--site", "Northgate", "--expires", "-5"], "between 1 and"),
    (["enrol-code", "--site", "Northgate", "--expires", "0"], "between 1 and"),
    (["enrol-code", "--site", "Northgate", "--expires", "soon"], "whole number"),
    (["enrol-code", "--site", "   ", "--expires", "5"], "blank"),
    (["enrol-code", "--site", ""], "blank"),
    (["enrol-code"], "required"),
    (["revoke"], "required"),
    (["serve", "--threads", "0"], "at least 1"),
    (["serve", "--workers", "-2"], "at least 1"),
    (["serve", "--threads", "many"], "whole number"),
])
def test_bad_arguments_are_refused_on_one_line(tmp_path: Path, argv: list[str], words: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused([*argv, "--data-dir", str(tmp_path / "srv")], capsys)
    assert words in line
    assert not (tmp_path / "srv").exists() or argv[0] == "revoke"


@pytest.mark.parametrize("command", [["devices"], ["enrol-code", "--site", "Northgate"],
                                     ["revoke", "some-device"], ["serve"]])
@pytest.mark.parametrize("url", [UNREACHABLE, "not a database url"])
def test_an_unusable_database_is_refused_on_one_line(command: list[str], url: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused([*command, "--database-url", url], capsys)
    assert "database" in line


def test_devices_escape_control_characters(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(ServerSettings.for_data_dir(tmp_path / "srv").database_url)
    migrate(engine)
    code = registry.issue_enrol_code(engine, ["Northgate"], expires_minutes=5)
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    hostile = "desk\x1b[2J\x1b[31mRED\u202eevil\x07\x9b"
    registry.enrol_device(engine, EnrolRequest(
        code=code, public_key=base64.b64encode(key).decode(), device_name=hostile))
    capsys.readouterr()
    assert main(["devices", "--data-dir", str(tmp_path / "srv")]) == 0
    out = capsys.readouterr().out
    for raw in ("\x1b", "\u202e", "\x07", "\x9b"):
        assert raw not in out
    assert "desk\\x1b[2J" in out
    assert main(["devices", "--data-dir", str(tmp_path / "srv"), "--json"]) == 0
    listed = capsys.readouterr().out
    assert "\x1b" not in listed
    assert json.loads(listed)[0]["name"] == hostile   # exact in JSON, escaped on the wire


@pytest.mark.postgres
def test_analyze_gathers_statistics_after_a_bulk_load(fresh_postgres: str,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """Issue 17: a table loaded after its last ANALYZE is planned as if empty."""
    engine = make_engine(fresh_postgres)
    with engine.begin() as conn:      # nor by autovacuum during the test, where it runs
        conn.execute(sa.text("ALTER TABLE records SET (autovacuum_enabled = false)"))
    replica = MemoryReplica("bulk-load")
    for n in range(600):
        replica.upsert("case", uuid.uuid4(), {"n": n}, sites=["site-a"])
    while ops := replica.pending_ops(MAX_OPS_PER_PUSH):
        replica.acknowledge(push_store.push_ops(engine, "bulk-load", frozenset({"site-a"}), ops))

    def estimated_rows() -> float:
        with engine.connect() as conn:
            return float(conn.execute(sa.text(
                "SELECT reltuples FROM pg_class WHERE relname = 'records'")).scalar_one())

    assert estimated_rows() <= 0        # never analysed since the rows arrived
    capsys.readouterr()
    assert main(["analyze", "--database-url", fresh_postgres]) == 0
    assert "records" in capsys.readouterr().out
    assert estimated_rows() == 600
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE records RESET (autovacuum_enabled)"))
    engine.dispose()


@pytest.mark.postgres
def test_a_migration_gathers_statistics(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    migrate(engine)
    with engine.connect() as conn:
        never = conn.execute(sa.text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NULL")).scalars()
        assert set(never) == {"alembic_version"}
    engine.dispose()
