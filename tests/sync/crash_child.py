"""Child process for the SIGKILL test: edit and sync a file-backed replica forever."""

from __future__ import annotations

import contextlib
import random
import sys
import uuid
from pathlib import Path

from sync.client import RetryPolicy, SyncClient, SyncError
from sync.credentials import DeviceCredentials
from sync.memory_replica import FileReplica


def main() -> None:
    folder, url = Path(sys.argv[1]), sys.argv[2]
    creds = DeviceCredentials.from_json((folder / "creds.json").read_text())
    replica = FileReplica(folder / "replica.json", creds.device_id)
    client = SyncClient(url, replica, creds, retry=RetryPolicy(attempts=2, base_delay=0.01),
                        push_batch=7, page_size=5)
    site = creds.sites[0].id
    print("ready", flush=True)
    while True:
        for _ in range(random.randint(1, 12)):
            if replica.records and random.random() < 0.3:
                entity, entity_id = random.choice(list(replica.records))
                replica.upsert(entity, uuid.UUID(entity_id), {"n": random.random()})
            else:
                replica.upsert("case", uuid.uuid4(), {"n": 0}, sites=[site])
        with contextlib.suppress(SyncError):
            client.sync()


if __name__ == "__main__":
    main()
