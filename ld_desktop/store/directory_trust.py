"""Pulled staff and site records are honoured only under an administrator's signature.

The server refuses unsigned directory changes, but a workstation does not take the server's
word for it: a staff record decides who unlocks as what. A pulled directory record is applied
only if its attestation (`sync.op_signing`) verifies, covers every field of the record as
pulled (each field's version is the attested op and its value the attested value), is no
older than the attestation already held, and was made with a *trusted* key: the first
administrator's key, pinned at enrolment from the server, or a key listed on a staff record
of an active administrator that this workstation holds (itself verified, or made here).

A record that does not verify is held back (kept aside, retried with every later page, so a
record signed by an administrator whose own record comes later still lands) and the local
record stays as it was. The exception: a new site is applied unverified, since records of
that site refer to it; its later changes are checked like any other.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models import DeviceState, Site, StaffMember, SyncedRecord
from ld_desktop.store.staff_queries import get_setting, put_setting
from sync.op_signing import ATTESTATION_FIELD, AttestationError, verify
from sync.protocol import RecordState

log = logging.getLogger(__name__)
DIRECTORY_MODELS: dict[str, type[SyncedRecord]] = {SyncedEntity.STAFF: StaffMember,
                                                   SyncedEntity.SITE: Site}
HELD = "directory-held-back"
ROOT = "authority_root"


def pinned_root(db: Session) -> str | None:
    device = db.get(DeviceState, 1)
    root = (device.enrolment if device is not None else {}).get(ROOT) or {}
    key = root.get("public_key")
    return key if isinstance(key, str) else None


def trusted_keys(db: Session) -> set[str]:
    """The pinned first administrator's key and active administrators' keys held here."""
    keys = {key for key in [pinned_root(db)] if key}
    for member in db.scalars(select(StaffMember).where(StaffMember.role == "admin")):
        if member.active and not member.entered_in_error:
            keys.update(member.signing_keys)
    return keys


def unvouched_records(db: Session) -> list[SyncedRecord]:
    """Staff and site records whose signature does not lead to a trusted key."""
    trusted = trusted_keys(db)
    found: list[SyncedRecord] = []
    for model in DIRECTORY_MODELS.values():
        for record in db.scalars(select(model)):
            attestation = getattr(record, ATTESTATION_FIELD, None)
            if not record.entered_in_error and not (
                    isinstance(attestation, dict) and attestation.get("key") in trusted):
                found.append(record)
    return found


def refusal(state: RecordState, trusted: set[str], held: SyncedRecord | None) -> str | None:
    """Why the pulled directory record may not be honoured, or None."""
    attestation: Any = state.fields.get(ATTESTATION_FIELD)
    try:
        verify(attestation)
    except AttestationError as exc:
        return str(exc)
    if attestation["key"] not in trusted:
        return "signed by a key that is not an administrator's"
    if (attestation["entity"], attestation["entity_id"]) != (state.entity, str(state.entity_id)):
        return "the signature is for another record"
    signed = attestation["fields"]
    for name, value in state.fields.items():
        if name == ATTESTATION_FIELD:
            continue
        if name not in signed or signed[name] != value or \
                state.versions.get(name) != attestation["op_id"]:
            return f"{name} is not as the administrator signed it"
    previous = getattr(held, ATTESTATION_FIELD, None) if held is not None else None
    if isinstance(previous, dict) and str(previous.get("hlc", "")) > attestation["hlc"]:
        return "older than the signed record held here"
    return None


def held_back(db: Session) -> list[RecordState]:
    stored = get_setting(db, HELD) or {}
    return [RecordState.model_validate(s) for s in stored.get("records", [])]


def hold_back(db: Session, states: list[RecordState]) -> None:
    latest: dict[tuple[str, str], RecordState] = {}
    for state in states:
        key = (state.entity, str(state.entity_id))
        if key not in latest or latest[key].seq <= state.seq:
            latest[key] = state
    put_setting(db, HELD, {"records": [s.model_dump(mode="json") for s in latest.values()]})
