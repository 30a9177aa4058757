"""Who is asking: the signature of every request checked against the device registry.

Order of refusals: not enrolled, bad signature, revoked (told to wipe), outside the ±5 minute
window, replayed (the nonce was seen before, on any server process: the cache is a table).

A device's public key never changes once enrolled, so each server process keeps the keys it
has seen (`PublicKeys`) and verifies a signature without asking the database. What can
change is asked every time, in one round trip on PostgreSQL: whether the device is revoked,
its sites, and the nonce (stored, unless seen before). The nonce is written with an
asynchronous commit: a PostgreSQL crash may forget the last fraction of a second of nonces,
which would let a request captured in that instant (through TLS) be replayed once; a push
replayed changes nothing and a pull replayed returns what the device may see anyway.
"""

from __future__ import annotations

import base64
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Engine

from sync.server import schema as t
from sync.server.batch_sql import PgText
from sync.server.registry import RegistryError, sites_of
from sync.signing import SignatureError, SignatureParams, verify_request, within_window

LAST_SEEN_RESOLUTION_S = 60
NONCE_PURGE_PROBABILITY = 0.02


@dataclass(frozen=True)
class AuthedDevice:
    device_id: str
    name: str
    sites: frozenset[str]


@dataclass(frozen=True)
class _Enrolled:
    key: Ed25519PublicKey
    name: str


class PublicKeys:
    """Enrolled devices' public keys and names, least recently used dropped past ``size``."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._known: OrderedDict[str, _Enrolled] = OrderedDict()
        self._lock = threading.Lock()

    def forget(self, device_id: str) -> None:
        with self._lock:
            self._known.pop(device_id, None)

    def get(self, conn: Connection, device_id: str) -> _Enrolled | None:
        with self._lock:
            found = self._known.get(device_id)
            if found is not None:
                self._known.move_to_end(device_id)
                return found
        row = conn.execute(sa.select(t.devices.c.public_key, t.devices.c.name)
                           .where(t.devices.c.id == device_id)).first()
        if row is None:
            return None
        found = _Enrolled(Ed25519PublicKey.from_public_bytes(base64.b64decode(row.public_key)),
                          row.name)
        with self._lock:
            self._known[device_id] = found
            while len(self._known) > self._size:
                self._known.popitem(last=False)
        return found


def check_request(engine: Engine, keys: PublicKeys, params: SignatureParams, method: str,
                  path: str, body: bytes, digest: str | None, signature: str | None,
                  nonce_ttl_seconds: int) -> AuthedDevice:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":   # each statement its own transaction
            conn.execution_options(isolation_level="AUTOCOMMIT")
        enrolled = keys.get(conn, params.keyid)
        if enrolled is None:
            raise RegistryError(401, "not_enrolled", "this device is not enrolled on this server")
        try:
            verify_request(enrolled.key, params, method, path, body, digest, signature)
        except SignatureError as exc:
            raise RegistryError(401, "bad_signature", str(exc)) from exc
        if not within_window(params.created):
            if _revoked(conn, params.keyid):
                raise _revoked_error()
            raise RegistryError(401, "expired",
                                "request time is more than 5 minutes from server time")
        now = datetime.now(UTC)
        if conn.dialect.name == "postgresql":
            visit = _record_visit_postgres(conn, params, now, nonce_ttl_seconds)
        else:
            visit = _record_visit(conn, params, now, nonce_ttl_seconds)
        conn.commit()
    if visit is None:                 # gone since its key was cached (a restored database)
        keys.forget(params.keyid)
        raise RegistryError(401, "not_enrolled", "this device is not enrolled on this server")
    revoked, stored, sites = visit
    if revoked:
        raise _revoked_error()
    if not stored:
        raise RegistryError(401, "replayed", "this request was seen before")
    return AuthedDevice(params.keyid, enrolled.name, sites)


def _revoked_error() -> RegistryError:
    return RegistryError(403, "device_revoked",
                         "this device has been revoked: wipe its local store")


def _revoked(conn: Connection, device_id: str) -> bool:
    return conn.execute(sa.select(t.devices.c.revoked_at).where(t.devices.c.id == device_id)
                        ).scalar() is not None


_VISIT = PgText("""
WITH quick_commit AS (
    SELECT set_config('synchronous_commit', 'off', true)
), device AS (
    SELECT id, revoked_at FROM devices WHERE id = :device_id
), stored AS (
    INSERT INTO nonces (device_id, nonce, expires_at)
    SELECT id, :nonce, :expires_at FROM device WHERE revoked_at IS NULL
    ON CONFLICT DO NOTHING RETURNING nonce
), seen AS (
    UPDATE devices SET last_seen = :now
    WHERE id = :device_id AND revoked_at IS NULL AND (last_seen IS NULL OR last_seen < :stale)
    RETURNING id
)
SELECT device.revoked_at IS NOT NULL AS revoked,
       (SELECT count(*) FROM stored) AS stored,
       (SELECT count(*) FROM seen) AS seen,
       ARRAY(SELECT site_id FROM device_sites WHERE device_id = :device_id) AS sites,
       (SELECT count(*) FROM quick_commit) AS quick
FROM device
""")


Visit = tuple[bool, bool, frozenset[str]]   # revoked?, nonce stored?, sites


def _record_visit_postgres(conn: Connection, params: SignatureParams, now: datetime,
                           nonce_ttl_seconds: int) -> Visit | None:
    """"Last seen" kept to the minute; None if the device is unknown. One round trip."""
    row = _VISIT.first(conn, {
        "device_id": params.keyid, "nonce": params.nonce, "now": now,
        "expires_at": now + timedelta(seconds=nonce_ttl_seconds),
        "stale": now - timedelta(seconds=LAST_SEEN_RESOLUTION_S)})
    if row is None:
        return None
    _maybe_purge_nonces(conn, now)
    return bool(row.revoked), bool(row.stored), frozenset(row.sites)


def _record_visit(conn: Connection, params: SignatureParams, now: datetime,
                  nonce_ttl_seconds: int) -> Visit | None:
    revoked_at = conn.execute(sa.select(t.devices.c.revoked_at)
                              .where(t.devices.c.id == params.keyid)).first()
    if revoked_at is None:
        return None
    if revoked_at[0] is not None:
        return True, False, frozenset()
    stored = conn.execute(sqlite.insert(t.nonces).on_conflict_do_nothing().values(
        device_id=params.keyid, nonce=params.nonce,
        expires_at=now + timedelta(seconds=nonce_ttl_seconds),
    ).returning(t.nonces.c.nonce)).first()
    conn.execute(sa.update(t.devices).where(
        t.devices.c.id == params.keyid,
        sa.or_(t.devices.c.last_seen.is_(None),
               t.devices.c.last_seen < now - timedelta(seconds=LAST_SEEN_RESOLUTION_S)))
        .values(last_seen=now))
    _maybe_purge_nonces(conn, now)
    return False, stored is not None, frozenset(site.id for site in sites_of(conn, params.keyid))


def _maybe_purge_nonces(conn: Connection, now: datetime) -> None:
    if random.random() < NONCE_PURGE_PROBABILITY:
        conn.execute(sa.delete(t.nonces).where(t.nonces.c.expires_at < now))
