"""Users' personal signing keys (issue 12, item 2).

Each user has an Ed25519 key, made with them (or, for a user from before keys, at their next
unlock, when their passphrase is at hand) and kept wrapped in their key slot. Its public half
goes into their staff record, a change an administrator signs: an administrator's own new key
is added under their own signature (which the server accepts for the first administrator, or
once another administrator has approved it); anyone else's waits here until an administrator
unlocks this workstation and approves it by signing the change.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ld_desktop.domain.roles import Role
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.directory_trust import unvouched_records
from ld_desktop.store.errors import StoreError
from ld_desktop.store.keyslots import USER_KIND, KeySlotFile, OpenedSlot
from ld_desktop.store.models import StaffMember
from ld_desktop.store.slot_crypto import unwrap_bundle
from ld_desktop.store.staff_queries import find_staff, get_setting, put_setting
from ld_desktop.store.store import UnitOfWork
from sync.op_signing import fingerprint, load_public_key, public_key_text

PENDING_KEYS = "signing-keys-awaiting-approval"
SIGNING_KEY = "ed25519"   # its name in the key slot's private bundle (store/keyslots.py)


def new_personal_key() -> tuple[bytes, Ed25519PrivateKey]:
    seed = os.urandom(32)
    return seed, Ed25519PrivateKey.from_private_bytes(seed)


def key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def personal_key_of(opened: OpenedSlot) -> tuple[Ed25519PrivateKey, bytes | None]:
    """The key kept in an opened slot's bundle; or a new one, put in the bundle (the caller
    saves it into the slot) and returned with its seed."""
    seed = opened.bundle.get(SIGNING_KEY)
    if seed is not None:
        return key_from_seed(bytes(seed)), None
    new_seed, key = new_personal_key()
    opened.bundle[SIGNING_KEY] = bytearray(new_seed)
    return key, new_seed


def keep_new_key(slots: KeySlotFile, opened: OpenedSlot, username: str, seed: bytes,
                 key: Ed25519PrivateKey, data_key: bytes | bytearray) -> bool:
    """Keep a key made at unlock in the user's slot, with its public half (no second key
    derivation: the opened slot's wrapping key is reused), outside any database transaction
    like the slot's rebind. The slot may have just been rebound (a version-1 slot migrated),
    so it is looked up by username. False if it could not be kept now (a version-1 slot not
    yet migrated, or the keys changing elsewhere): the next unlock makes one again."""
    try:
        with slots.editing():
            current = next((s for s in slots.slots if s.kind == USER_KIND and s.username
                            and s.username.casefold() == username.casefold()), None)
            if current is None or slots.pending is not None:
                return False
            if current.slot_id != opened.slot_id:   # rebound: its bundle has a new x25519 key
                bundle = unwrap_bundle(bytes(opened.wrapping_key), current.private,
                                       current.label(slots.database_id))
                opened.bundle.update({k: bytearray(v) for k, v in bundle.items()})
                opened.slot_id = current.slot_id
            slots.add_private_key(opened, SIGNING_KEY, seed, public_key_raw(key), data_key)
    except StoreError:
        return False
    return True


def check_public_key(public_key: str) -> str:
    """The key as kept (base64 of 32 bytes), or ValueError with a clear message."""
    cleaned = public_key.strip()
    try:
        load_public_key(cleaned)
    except ValueError:
        raise ValueError("That is not a personal key: expected 44 characters of base64, as "
                         "shown by 'ld-admin keys show' on the user's workstation.") from None
    return cleaned


def add_key(uow: UnitOfWork, member: StaffMember, public_key: str) -> bool:
    """Add a key to a member's record (signed by the unit of work's user); False if there."""
    if public_key in member.signing_keys:
        return False
    uow.changes.update(member, {"signing_keys": [*member.signing_keys, public_key]})
    uow.audit("signing-key-added", entity=SyncedEntity.STAFF, entity_id=member.id,
              detail={"username": member.username, "key": fingerprint(public_key)})
    return True


def resign_unvouched(uow: UnitOfWork) -> int:
    """Sign again, as the unit of work's (administrator) user, every staff and site record
    whose signature no longer leads to an administrator: made before signatures, or signed
    by an administrator since removed. Otherwise workstations pulling them afresh would hold
    them back. Returns how many were signed."""
    records = unvouched_records(uow.session)
    for record in records:
        uow.changes.resign(record)
    count = len(records)
    if count:
        uow.audit("directory-re-signed", detail={"records": count})
    return count


def register_at_unlock(uow: UnitOfWork, member: StaffMember, key: Ed25519PrivateKey) -> None:
    """The unlocking user's key reaches their record: an administrator signs their own, and
    approves keys waiting on this workstation; anyone else's waits for an administrator."""
    public = public_key_text(key)
    pending = get_setting(uow.session, PENDING_KEYS) or {}
    if member.role == Role.ADMIN.value:
        add_key(uow, member, public)
        for username, waiting in sorted(pending.items()):
            other = find_staff(uow.session, username)
            if other is not None and other.active:
                add_key(uow, other, waiting)
        if pending:
            put_setting(uow.session, PENDING_KEYS, {})
    elif public not in member.signing_keys and pending.get(member.username) != public:
        put_setting(uow.session, PENDING_KEYS, {**pending, member.username: public})
        uow.audit("signing-key-awaiting-approval",
                  detail={"username": member.username, "key": fingerprint(public)})
