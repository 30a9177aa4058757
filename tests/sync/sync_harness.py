"""Test helpers for sync: an in-process server harness (imported by conftest and tests)."""

from __future__ import annotations

import functools
import json
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from asgi_bridge import ASGIBridge
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from sync.authority_wire import AdminBootstrap
from sync.client import DeviceCredentials, RetryPolicy, SyncClient, enrol
from sync.memory_replica import MemoryReplica
from sync.op_signing import attest, bootstrap_message, public_key_text, staff_id_for
from sync.protocol import Op, OpKind, OpStatus
from sync.server import ServerSettings, authority, pull_store, push_store
from sync.server import schema as t
from sync.server.database import make_engine, migrate
from sync.server.registry import issue_enrol_code
from sync.server.settings import SQLITE_FILE

FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, timeout=10)
IN_PROCESS_URL = "http://127.0.0.1"
_TEMPLATES: list[tempfile.TemporaryDirectory[str]] = []   # removed when the process exits


@functools.cache
def _migrated_sqlite() -> Path:
    """One empty SQLite server database at the newest migration, made once per process."""
    folder = tempfile.TemporaryDirectory(prefix="ld-sync-template-")
    _TEMPLATES.append(folder)
    path = Path(folder.name) / SQLITE_FILE
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    with sqlite3.connect(path) as conn:   # everything into the main file: it alone is copied
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def sqlite_server(data_dir: Path, **overrides: Any) -> ServerSettings:
    """``ServerSettings.for_data_dir(data_dir, ...)`` with its database already migrated: a
    copy of `_migrated_sqlite`. Migrating a new database runs all eight revisions (~0.15-0.25
    s a server, paid by every test and every state-machine example); ``create_app`` still
    runs ``migrate`` on the copy, which finds it at head. tests/sync/test_server_migrations.py
    migrates from empty itself."""
    settings = ServerSettings.for_data_dir(data_dir, **overrides)
    if any(data_dir.iterdir()):
        raise AssertionError(f"{data_dir} is not empty: the template would overwrite it")
    shutil.copyfile(_migrated_sqlite(), data_dir / SQLITE_FILE)
    return settings


@dataclass
class Harness:
    """One in-process server and helpers to enrol devices and make synced replicas."""

    app: FastAPI
    bridge: ASGIBridge

    @property
    def engine(self) -> sa.Engine:
        engine: sa.Engine = self.app.state.sync.engine
        return engine

    def code(self, *sites: str) -> str:
        return issue_enrol_code(self.engine, list(sites or ("Leeds Custody",)))

    def enrol(self, *sites: str, name: str = "workstation") -> DeviceCredentials:
        return enrol(IN_PROCESS_URL, self.code(*sites), name, transport=self.bridge,
                     retry=FAST_RETRY)

    def replica(self, *sites: str) -> tuple[MemoryReplica, SyncClient]:
        credentials = self.enrol(*sites)
        replica = MemoryReplica(credentials.device_id,
                                home_sites=[site.id for site in credentials.sites])
        return replica, self.client(replica, credentials)

    def client(self, replica: MemoryReplica, credentials: DeviceCredentials,
               **kwargs: object) -> SyncClient:
        return SyncClient(IN_PROCESS_URL, replica, credentials, transport=self.bridge,
                          retry=FAST_RETRY, **kwargs)  # type: ignore[arg-type]


def push(engine: sa.Engine, replica: MemoryReplica, sites: frozenset[str]) -> None:
    """Push the replica's pending ops straight into the server's store (no HTTP)."""
    replica.acknowledge(push_store.push_ops(engine, replica.device_id, sites,
                                            replica.pending_ops(500)))


def pull_into(engine: sa.Engine, replica: MemoryReplica, sites: frozenset[str]) -> None:
    """Pull every page for ``sites`` straight from the server's store into the replica."""
    while True:
        page = pull_store.pull_changes(engine, sites, replica.cursor(), 500, "hlc")
        replica.apply_pull(page)
        if not page.has_more:
            return


def register_decider(engine: sa.Engine, replicas: list[MemoryReplica]) -> None:
    """Register the replicas' (shared) user as the service's first administrator, whose key
    then signs their conflict decisions, as the server demands."""
    import base64

    key = Ed25519PrivateKey.generate()
    user, public = replicas[0].user, public_key_text(key)
    code = authority.issue_admin_code(engine)
    proof = base64.b64encode(key.sign(bootstrap_message(code, user, public))).decode()
    authority.register_root(engine, "test-setup", AdminBootstrap(
        code=code, username=user, public_key=public, proof=proof))
    op_id, entity_id, hlc = uuid.uuid4(), staff_id_for(user), "000000000000001-00000-setup"
    fields = {"username": user, "role": "admin", "active": True, "signing_keys": [public]}
    fields["attestation"] = attest(key, signer=user, op_id=op_id, entity="staff",
                                   entity_id=entity_id, hlc=hlc, fields=fields)
    op = Op(op_id=op_id, device_id="test-setup", device_seq=1, hlc=hlc, user=user,
            schema_version=1, entity="staff", entity_id=entity_id, kind=OpKind.UPSERT,
            fields=fields)
    [result] = push_store.push_ops(engine, "test-setup", frozenset(), [op])
    assert result.status is OpStatus.APPLIED, result
    for replica in replicas:
        replica.signing_key = key


def typed_values_are_kept(engine: sa.Engine) -> None:
    """Every value an accepted upsert typed is current, in a conflict, or was seen and edited."""
    with engine.connect() as conn:
        ops = [row.op for row in conn.execute(sa.select(t.ops.c.op))]
        records = {(r.entity, r.entity_id): r for r in conn.execute(sa.select(t.records))}
        conflicts = list(conn.execute(sa.select(t.conflicts)))
    in_conflict = {(c.entity, c.entity_id, c.field, json.dumps(v["value"], sort_keys=True))
                   for c in conflicts for v in c.values}
    seen_by_later = {(op["entity"], op["entity_id"], name, base)
                     for op in ops for name, base in op["base_versions"].items() if base}
    # Equal values typed concurrently are one value (the merge keeps one token for them):
    # a later edit based on either of them has seen the value.
    writers: dict[tuple[str, str, str, str], set[str]] = {}
    for op in ops:
        for name, value in op["fields"].items():
            writers.setdefault((op["entity"], op["entity_id"], name,
                                json.dumps(value, sort_keys=True)), set()).add(op["op_id"])
    for op in ops:
        if op["kind"] not in ("upsert", "insert"):
            continue
        record = records[(op["entity"], op["entity_id"])]
        for name, value in op["fields"].items():
            key = (op["entity"], op["entity_id"], name)
            typed = json.dumps(value, sort_keys=True)
            assert (record.fields.get(name) == value
                    or (*key, typed) in in_conflict
                    or any((*key, writer) in seen_by_later
                           for writer in writers[(*key, typed)])), f"value of {name} vanished"
