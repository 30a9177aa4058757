"""Device registry: one-time enrolment codes, enrolment, revocation, sites."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import uuid6
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from sync.protocol import normalise_site_name, site_id_for
from sync.server import schema as t
from sync.wire import DeviceInfo, DeviceName, EnrolRequest, EnrolResponse, SiteInfo

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I


class RegistryError(Exception):
    """A refusal with a machine-readable code and an HTTP status."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _now() -> datetime:
    return datetime.now(UTC)


def _hash_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(cleaned.encode()).hexdigest()


def ensure_sites(conn: Connection, names: list[str]) -> list[SiteInfo]:
    """Create the named sites if absent; ids are deterministic (`site_id_for`)."""
    result: list[SiteInfo] = []
    for name in names:
        site_id = str(site_id_for(name))
        row = conn.execute(sa.select(t.sites.c.name).where(t.sites.c.id == site_id)).first()
        if row is None:
            display = " ".join(name.split())
            conn.execute(sa.insert(t.sites).values(id=site_id, name=display, created_at=_now()))
            result.append(SiteInfo(id=site_id, name=display))
        else:
            result.append(SiteInfo(id=site_id, name=row.name))
    return result


def issue_enrol_code(engine: Engine, site_names: list[str], *, expires_minutes: int = 60) -> str:
    if not site_names or not all(normalise_site_name(name) for name in site_names):
        raise ValueError("an enrolment code needs at least one named site")
    code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(4))
    with engine.begin() as conn:
        sites = ensure_sites(conn, site_names)
        conn.execute(sa.insert(t.enrol_codes).values(
            code_hash=_hash_code(code), sites=[s.id for s in sites], created_at=_now(),
            expires_at=_now() + timedelta(minutes=expires_minutes)))
    return code


def enrol_device(engine: Engine, request: EnrolRequest) -> EnrolResponse:
    """Enrol a device with a one-time code. Safe to retry: the same code with the same public
    key, within the code's validity, returns the device it enrolled (the first answer may have
    been lost on the way back); any other use of a used code is refused."""
    try:
        raw_key = base64.b64decode(request.public_key, validate=True)
        Ed25519PublicKey.from_public_bytes(raw_key)
    except ValueError as exc:
        raise RegistryError(422, "invalid_request", "public_key is not an Ed25519 key") from exc
    for _ in range(3):   # a concurrent identical retry claimed the code first: read it again
        try:
            answer = _claim_code(engine, request)
        except IntegrityError:
            answer = _earlier_enrolment(engine, request)
            if answer is None:
                raise RegistryError(409, "already_enrolled",
                                    "this public key is already enrolled") from None
        if answer is not None:
            return answer
    raise _refused()


def _refused() -> RegistryError:
    return RegistryError(403, "enrolment_refused",
                         "the enrolment code is unknown, expired or already used")


def _claim_code(engine: Engine, request: EnrolRequest) -> EnrolResponse | None:
    """The device enrolled with this code (new, or the same key's earlier enrolment); None
    when another request claimed the code between our read and our claim."""
    device_id = str(uuid6.uuid7())
    with engine.begin() as conn:
        code = _valid_code(conn, request.code)
        if code["used_at"] is not None:
            return _same_request(conn, code["device_id"], request)
        claimed = conn.execute(
            sa.update(t.enrol_codes)
            .where(t.enrol_codes.c.code_hash == code["code_hash"],
                   t.enrol_codes.c.used_at.is_(None))
            .values(used_at=_now(), device_id=device_id))
        if claimed.rowcount != 1:
            return None
        conn.execute(sa.insert(t.devices).values(
            id=device_id, name=request.device_name, public_key=request.public_key,
            enrolled_at=_now()))
        conn.execute(sa.insert(t.device_sites),
                     [{"device_id": device_id, "site_id": s} for s in code["sites"]])
        return EnrolResponse(device_id=device_id, sites=sites_of(conn, device_id),
                             server_time=_now())


def _valid_code(conn: Connection, code_text: str) -> sa.RowMapping:
    code = conn.execute(sa.select(t.enrol_codes)
                        .where(t.enrol_codes.c.code_hash == _hash_code(code_text))
                        ).mappings().first()
    if code is None or code["expires_at"] < _now():
        raise _refused()
    return code


def _same_request(conn: Connection, device_id: str | None,
                  request: EnrolRequest) -> EnrolResponse:
    """A used code: the same answer again if it enrolled this very key and the device is
    still active; otherwise refused (a different key must never take over a code)."""
    if device_id is None:
        raise _refused()
    device = conn.execute(sa.select(t.devices.c.public_key, t.devices.c.revoked_at)
                          .where(t.devices.c.id == device_id)).first()
    if device is None or device.revoked_at is not None or not secrets.compare_digest(
            device.public_key, request.public_key):
        raise _refused()
    return EnrolResponse(device_id=device_id, sites=sites_of(conn, device_id),
                         server_time=_now())


def _earlier_enrolment(engine: Engine, request: EnrolRequest) -> EnrolResponse | None:
    """The key is enrolled already: the same answer if it was with this code."""
    with engine.connect() as conn:
        code = _valid_code(conn, request.code)
        if code["used_at"] is None:
            return None
        try:
            return _same_request(conn, code["device_id"], request)
        except RegistryError:
            return None


def sites_of(conn: Connection, device_id: str) -> list[SiteInfo]:
    rows = conn.execute(sa.select(t.sites.c.id, t.sites.c.name)
                        .join(t.device_sites, t.device_sites.c.site_id == t.sites.c.id)
                        .where(t.device_sites.c.device_id == device_id)
                        .order_by(t.sites.c.name))
    return [SiteInfo(id=row.id, name=row.name) for row in rows]


def list_devices(engine: Engine) -> list[DeviceInfo]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.devices).order_by(t.devices.c.enrolled_at)).mappings()
        return [DeviceInfo(device_id=row["id"], name=row["name"], sites=sites_of(conn, row["id"]),
                           enrolled_at=row["enrolled_at"], last_seen=row["last_seen"],
                           revoked_at=row["revoked_at"]) for row in rows.all()]


def names_at_sites(engine: Engine, sites: frozenset[str], limit: int = 2000
                   ) -> list[DeviceName]:
    """Workstations enrolled at any of ``sites`` (revoked ones too), by name."""
    if not sites:
        return []
    with engine.connect() as conn:
        ids = (sa.select(t.device_sites.c.device_id)
               .where(t.device_sites.c.site_id.in_(sorted(sites))).distinct())
        rows = conn.execute(sa.select(t.devices.c.id, t.devices.c.name)
                            .where(t.devices.c.id.in_(ids)).order_by(t.devices.c.id)
                            .limit(limit))
        return [DeviceName(device_id=row.id, name=row.name) for row in rows]


def device_info(engine: Engine, device_id: str) -> DeviceInfo:
    return next(d for d in list_devices(engine) if d.device_id == device_id)


def revoke_device(engine: Engine, device_id: str) -> bool:
    with engine.begin() as conn:
        done = conn.execute(sa.update(t.devices)
                            .where(t.devices.c.id == device_id, t.devices.c.revoked_at.is_(None))
                            .values(revoked_at=_now()))
        return done.rowcount == 1
