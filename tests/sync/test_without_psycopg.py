"""The workstation's bundle carries the embedded sync server (SQLite) without psycopg
(`packaging/ld-desktop.spec` excludes it): the server's SQLite path must import and run
with no psycopg at all. CI's bundle self-test found a module-level `import psycopg` only
after a 7-minute build; this finds it in a second."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import sys, uuid
sys.modules["psycopg"] = None          # as in the bundle: any import of it fails
from pathlib import Path
from sync.memory_replica import MemoryReplica
from sync.protocol import OpStatus
from sync.server import ServerSettings, create_app, pull_store, push_store
engine = create_app(ServerSettings.for_data_dir(Path(sys.argv[1]), op_schema=None)
                    ).state.sync.engine
replica = MemoryReplica("dev")
replica.upsert("case", uuid.uuid4(), {"n": 1}, sites=["site-a"])
[result] = push_store.push_ops(engine, "dev", frozenset({"site-a"}), replica.pending_ops(10))
assert result.status is OpStatus.APPLIED, result
page = pull_store.pull_changes(engine, frozenset({"site-a"}), 0, 10, "hlc")
assert len(page.records) == 1, page
assert not [name for name in sys.modules if name.startswith("psycopg.")]
print("ok")
"""


def test_the_sqlite_server_runs_without_psycopg(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(tmp_path / "server")],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
