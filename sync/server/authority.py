"""Who may change the directory, decide a clash or sign a screening: checked on every push.

The root of authority is the first administrator's personal key, registered once with a
one-time code from ``ld-sync-server admin-code`` (`issue_admin_code`, `register_root`).
From then on:

* every op on a directory entity (``staff``, ``site``) must carry an attestation
  (`sync.op_signing`) of exactly that op, by the op's user, with a key that the server's own
  directory lists for an *active administrator*. Until the root administrator's own staff
  record lists a key, the registered root key counts as theirs, so that record can be made;
* a conflict decision (``resolve``) must be signed by its user, an active senior or admin;
* a screening sign-off must be signed by the user who signs it off.

The server's directory records change only through ops that passed these checks, so reading
roles and keys from them is reading what administrators signed. Refusals are per op.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from sync.authority_wire import AdminBootstrap, AuthorityRoot
from sync.op_signing import (
    ATTESTATION_FIELD,
    AttestationError,
    bootstrap_message,
    fingerprint,
    load_public_key,
    matches,
    staff_id_for,
    verify,
)
from sync.protocol import Op, OpKind
from sync.server import schema as t
from sync.server.batch_sql import one_of
from sync.server.registry import CODE_ALPHABET, RegistryError

DIRECTORY_ENTITIES = frozenset({"staff", "site"})
STAFF_ENTITY = "staff"
SCREENING_ENTITY = "screening"
DECIDING_ROLES = frozenset({"senior", "admin"})


def _now() -> datetime:
    return datetime.now(UTC)


def _hash_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(b"admin:" + cleaned.encode()).hexdigest()


# ---------------------------------------------------------------------- the root administrator
def root_of(conn: Connection) -> AuthorityRoot | None:
    row = conn.execute(sa.select(t.authority_root).where(t.authority_root.c.id == 1)).first()
    if row is None:
        return None
    return AuthorityRoot(username=row.username, public_key=row.public_key,
                         fingerprint=fingerprint(row.public_key))


def current_root(engine: Engine) -> AuthorityRoot | None:
    with engine.connect() as conn:
        return root_of(conn)


def issue_admin_code(engine: Engine, *, expires_minutes: int = 60) -> str:
    """A one-time code to register the first administrator; refused once one exists."""
    with engine.begin() as conn:
        if root_of(conn) is not None:
            raise RegistryError(409, "admin_exists",
                                "the first administrator is already registered; further "
                                "administrators are added, signed, by an administrator")
        code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
                        for _ in range(4))
        conn.execute(sa.insert(t.admin_codes).values(
            code_hash=_hash_code(code), created_at=_now(),
            expires_at=_now() + timedelta(minutes=expires_minutes)))
    return code


def register_root(engine: Engine, device_id: str, request: AdminBootstrap) -> AuthorityRoot:
    """Claim an admin code for the key in ``request``: once per service, ever."""
    try:
        key = load_public_key(request.public_key)
        key.verify(base64.b64decode(request.proof, validate=True),
                   bootstrap_message(request.code, request.username, request.public_key))
    except (AttestationError, InvalidSignature, ValueError) as exc:
        raise RegistryError(422, "invalid_request",
                            "the proof is not this key's signature of the code") from exc
    refused = RegistryError(403, "admin_code_refused",
                            "the admin code is unknown, expired or already used")
    try:
        with engine.begin() as conn:
            if root_of(conn) is not None:
                raise RegistryError(409, "admin_exists",
                                    "the first administrator is already registered")
            claimed = conn.execute(
                sa.update(t.admin_codes)
                .where(t.admin_codes.c.code_hash == _hash_code(request.code),
                       t.admin_codes.c.used_at.is_(None),
                       t.admin_codes.c.expires_at > _now())
                .values(used_at=_now()))
            if claimed.rowcount != 1:
                raise refused
            conn.execute(sa.insert(t.authority_root).values(
                id=1, username=request.username.strip(), public_key=request.public_key,
                device_id=device_id, registered_at=_now()))
    except IntegrityError as exc:   # two claims at once: the single row admits one
        raise RegistryError(409, "admin_exists",
                            "the first administrator is already registered") from exc
    return AuthorityRoot(username=request.username.strip(), public_key=request.public_key,
                         fingerprint=fingerprint(request.public_key))


# ---------------------------------------------------------------------- checking pushed ops
@dataclass
class _Member:
    role: str | None = None
    active: bool = False
    keys: frozenset[str] = frozenset()
    exists: bool = False


@dataclass
class Authority:
    """The directory as far as a push needs it: its signers' roles and keys, and the root.
    Ops accepted earlier in the same push update it (an admin made, then signing)."""

    root: AuthorityRoot | None
    members: dict[str, _Member] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, ops: Iterable[Op]) -> Authority | None:
        """None when no op of the push needs authority (no query at all)."""
        wanted = [op for op in ops if needs_signature(op)]
        if not wanted:
            return None
        ids = {key for op in wanted if (key := _staff_key(op.user)) is not None}
        ids |= {str(op.entity_id) for op in wanted if op.entity == STAFF_ENTITY}
        authority = cls(root_of(conn))
        rows = conn.execute(sa.select(t.records.c.entity_id, t.records.c.fields).where(
            t.records.c.entity == STAFF_ENTITY, one_of(conn, t.records.c.entity_id, sorted(ids))))
        for row in rows:
            authority.members[row.entity_id] = _member(row.fields)
        return authority

    def refusal(self, op: Op) -> str | None:
        """Why this op may not be accepted, or None."""
        if not needs_signature(op):
            return None
        attestation = op.fields.get(ATTESTATION_FIELD)
        what = _what(op)
        try:
            verify(attestation)
        except AttestationError as exc:
            return f"{what} must carry its user's signature: {exc}"
        assert isinstance(attestation, dict)
        if not matches(attestation, op_id=op.op_id, entity=op.entity, entity_id=op.entity_id,
                       hlc=op.hlc, fields=op.fields):
            return f"{what}: the signature is for another change (op, record, clock or values)"
        if attestation["signer"].casefold() != op.user.casefold():
            return f"{what}: signed by {attestation['signer']!r}, not by the op's user"
        signer = self.members.get(_staff_key(op.user) or "", _Member())
        key = attestation["key"]
        if op.entity in DIRECTORY_ENTITIES:
            if self.root is None:
                return (f"{what} refused: no administrator is registered with this server yet "
                        "(ld-sync-server admin-code)")
            if not self._is_admin_key(op.user, signer, key):
                return f"{what} refused: signed by a key that is not an active administrator's"
            return None
        if key not in signer.keys or not signer.active:
            return f"{what} refused: signed by a key not registered to an active user {op.user!r}"
        if op.kind is OpKind.RESOLVE and signer.role not in DECIDING_ROLES:
            return f"{what} refused: {op.user!r} is not a senior practitioner or administrator"
        if op.entity == SCREENING_ENTITY and \
                op.fields.get("signed_off_by", op.user).casefold() != op.user.casefold():
            return f"{what} refused: signed off in another user's name"
        return None

    def accepted(self, op: Op) -> None:
        """An op was accepted: a staff change is now part of the directory this push sees."""
        if op.entity != STAFF_ENTITY or op.kind is OpKind.RESOLVE:
            return
        member = self.members.setdefault(str(op.entity_id), _Member())
        changed = _member(op.fields)
        if "role" in op.fields:
            member.role = changed.role
        if "active" in op.fields:
            member.active = changed.active
        if "signing_keys" in op.fields:
            member.keys = changed.keys
        member.exists = True

    def _is_admin_key(self, username: str, signer: _Member, key: str) -> bool:
        if signer.keys:
            return signer.role == "admin" and signer.active and key in signer.keys
        # the root administrator's record does not list a key yet (not made yet, or made
        # before this server checked signatures): the registered root key counts
        root = self.root
        return root is not None and root.username.casefold() == username.casefold() \
            and root.public_key == key


def signer_records(ops: Iterable[Op]) -> set[tuple[str, str]]:
    """The staff records whose roles and keys decide a push's signed ops."""
    return {(STAFF_ENTITY, key) for op in ops if needs_signature(op)
            and (key := _staff_key(op.user)) is not None}


def _staff_key(username: str) -> str | None:
    """The user's staff record id; None for a name that is not text (refused by the push's
    own checks before authority is asked)."""
    try:
        return str(staff_id_for(username))
    except UnicodeEncodeError:
        return None


def needs_signature(op: Op) -> bool:
    if op.entity in DIRECTORY_ENTITIES or op.kind is OpKind.RESOLVE:
        return True
    return op.entity == SCREENING_ENTITY and op.fields.get("state") == "signed-off"


def _what(op: Op) -> str:
    if op.kind is OpKind.RESOLVE:
        return "a conflict decision"
    if op.entity == SCREENING_ENTITY:
        return "a screening sign-off"
    return f"a change to the {op.entity} directory"


def _member(fields: Mapping[str, Any]) -> _Member:
    keys = fields.get("signing_keys")
    return _Member(
        role=fields.get("role") if isinstance(fields.get("role"), str) else None,
        active=fields.get("active") is True and fields.get("_deleted") is not True,
        keys=frozenset(k for k in keys if isinstance(k, str)) if isinstance(keys, list)
        else frozenset(),
        exists=True,
    )
