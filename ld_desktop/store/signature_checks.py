"""Is "who signed" provable here? A screening sign-off or a conflict decision carries its
user's attestation (`sync.op_signing`); it counts as verified when the signature is good,
names the user the record names, was made with a key this workstation's (verified) staff
directory lists for that user, and covers the values as they stand."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models import ConflictRecord, Screening
from ld_desktop.store.staff_queries import find_staff
from ld_desktop.store.wire_values import record_fields
from sync.op_signing import ATTESTATION_FIELD, AttestationError, verify


def _by_key_of(db: Session, attestation: Any, username: str | None) -> bool:
    try:
        verify(attestation)
    except AttestationError:
        return False
    if username is None or attestation["signer"].casefold() != username.casefold():
        return False
    member = find_staff(db, username)
    return member is not None and attestation["key"] in member.signing_keys


def screening_signature(db: Session, row: Screening) -> bool | None:
    """None for a screening not signed off; else whether its sign-off is proven."""
    if row.state != ScreeningState.SIGNED_OFF:
        return None
    attestation = row.attestation
    if not _by_key_of(db, attestation, row.signed_off_by):
        return False
    assert isinstance(attestation, dict)
    current = record_fields(row)
    current.pop(ATTESTATION_FIELD, None)
    return (attestation["entity"], attestation["entity_id"]) \
        == (SyncedEntity.SCREENING, str(row.id)) \
        and attestation["fields"] == current


def decision_signature(db: Session, conflict: ConflictRecord) -> bool | None:
    """None for an undecided conflict; else whether its decision is proven."""
    resolution = conflict.resolution
    if not resolution:
        return None
    attestation = resolution.get("attestation")
    if not _by_key_of(db, attestation, resolution.get("user")):
        return False
    assert isinstance(attestation, dict)
    signed = attestation["fields"]
    return bool(attestation["entity_id"] == str(conflict.id)
            and attestation["op_id"] == resolution.get("op_id")
            and signed.get("value") == resolution.get("value")
            and signed.get("reason") == resolution.get("reason"))
