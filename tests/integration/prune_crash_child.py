"""Helper for test_outbox_pruning.py: a workstation process killed by SIGKILL in the middle
of a sync, at the one moment that matters for the outbox.

Run as ``python prune_crash_child.py STORE SERVER_DB_URL USERNAME PASSPHRASE WHEN``. It unlocks
the store and syncs with a real server app (in process, on the server's SQLite database, so
what the server committed survives the kill). The server answers the push; then, with
``WHEN`` = ``before-prune`` the process kills itself as the acknowledgement reaches the
store (the server has the ops, the outbox still holds them), and with ``after-prune`` right
after the store has committed the pruning.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.replica import StoreReplica
from sync.protocol import OpResult
from sync.server import ServerSettings, create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sync"))
from asgi_bridge import ASGIBridge


def main() -> None:
    store, server_url, username, passphrase, when = sys.argv[1:6]
    original = StoreReplica.acknowledge

    def acknowledge(self: StoreReplica, results: list[OpResult]) -> None:
        print("acknowledged " + " ".join(f"{r.device_seq}:{r.status.value}" for r in results),
              flush=True)
        if when == "before-prune":
            os.kill(os.getpid(), signal.SIGKILL)
        original(self, results)
        print("pruned", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    StoreReplica.acknowledge = acknowledge  # type: ignore[method-assign]
    session = Workstation(Path(store)).unlock(username, passphrase)
    bridge = ASGIBridge(create_app(ServerSettings(database_url=server_url)))
    SyncService(session, transport=bridge).sync()
    print("sync ended without acknowledging anything", flush=True)


if __name__ == "__main__":
    main()
