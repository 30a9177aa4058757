"""What the pull tests share: a site with cases to pull, a new workstation's replica to pull
them into, and whether a fetch ahead is still running."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

from sync_harness import Harness

from sync.memory_replica import MemoryReplica

Reader = TypeVar("Reader", bound=MemoryReplica)


def reader_for(harness: Harness, site: str, records: int,
               make: Callable[[str], Reader]) -> tuple[MemoryReplica, Reader]:
    """A workstation at ``site`` that wrote ``records`` cases and synced them, and a new
    workstation's replica (``make(device_id)``, its credentials as ``credentials``)."""
    writer, client = harness.replica(site)
    for n in range(records):
        writer.upsert("case", uuid.uuid4(), {"n": n}, sites=[writer.home_sites[0]])
    with client:
        client.sync()
    credentials = harness.enrol(site, name="new workstation")
    reader = make(credentials.device_id)
    reader.credentials = credentials  # type: ignore[attr-defined]
    return writer, reader


def cases(replica: MemoryReplica) -> set[uuid.UUID]:
    return {entity_id for (entity, entity_id) in replica.records if entity == "case"}


def no_fetch_left_running() -> bool:
    return not any(t.name == "sync-page-ahead" and t.is_alive() for t in threading.enumerate())
