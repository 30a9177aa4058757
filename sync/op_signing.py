"""Users' signatures on ops: who changed the directory, decided a clash or signed a screening.

A user's personal Ed25519 key (kept wrapped in their key slot on the workstation) signs an
*attestation*: a statement of one op's identity and the values it set::

    {"v": 1, "op_id", "entity", "entity_id", "hlc", "signer", "key", "fields": {...}}

The signed bytes are the canonical JSON of that statement (sorted keys, no spaces, ASCII),
so the server and every workstation rebuild exactly the same bytes. The attestation travels
inside the op as the field ``attestation`` (the signed ``fields`` never include it), is kept
in the record like any field, and so reaches every workstation that pulls the record.

Shared by the workstation (signs) and the server (verifies); pure, no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ATTESTATION_FIELD = "attestation"
FORMAT_VERSION = 1
_STATEMENT_KEYS = ("v", "op_id", "entity", "entity_id", "hlc", "signer", "key", "fields")


class AttestationError(ValueError):
    """An attestation is malformed, names another op, or its signature does not verify."""


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64 (44 characters): how keys travel and are kept."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError) as exc:
        raise AttestationError("not an Ed25519 public key") from exc


def fingerprint(public_key: str) -> str:
    """A short form for people to compare aloud: 'AB12-CD34-EF56-7890' (SHA-256, 64 bits)."""
    digest = hashlib.sha256(public_key.encode()).hexdigest()[:16].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def signed_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An op's fields as an attestation covers them: all but the attestation itself."""
    return {name: value for name, value in fields.items() if name != ATTESTATION_FIELD}


def canonical(statement: Mapping[str, Any]) -> bytes:
    return json.dumps({key: statement[key] for key in _STATEMENT_KEYS}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def attest(key: Ed25519PrivateKey, *, signer: str, op_id: uuid.UUID | str, entity: str,
           entity_id: uuid.UUID | str, hlc: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The attestation of one op by ``signer`` (a username), ready to put in its fields."""
    statement: dict[str, Any] = {
        "v": FORMAT_VERSION, "op_id": str(op_id), "entity": entity, "entity_id": str(entity_id),
        "hlc": hlc, "signer": signer, "key": public_key_text(key),
        "fields": signed_fields(fields),
    }
    statement["sig"] = base64.b64encode(key.sign(canonical(statement))).decode()
    return statement


def verify(attestation: object) -> dict[str, Any]:
    """Check the attestation is well formed and signed by the key it names; returns it.
    Whether that key may sign this change is the caller's question (see ``matches``)."""
    if not isinstance(attestation, dict):
        raise AttestationError("the attestation is missing or not an object")
    missing = [key for key in (*_STATEMENT_KEYS, "sig") if key not in attestation]
    if missing:
        raise AttestationError(f"the attestation lacks {', '.join(missing)}")
    if attestation["v"] != FORMAT_VERSION or not isinstance(attestation["fields"], dict):
        raise AttestationError("the attestation has an unknown form")
    if not all(isinstance(attestation[key], str) for key in ("signer", "key", "sig", "hlc")):
        raise AttestationError("the attestation has an unknown form")
    public = load_public_key(attestation["key"])
    try:
        public.verify(base64.b64decode(attestation["sig"], validate=True),
                      canonical(attestation))
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise AttestationError("the signature does not verify") from exc
    return attestation


def matches(attestation: Mapping[str, Any], *, op_id: uuid.UUID | str, entity: str,
            entity_id: uuid.UUID | str, hlc: str, fields: Mapping[str, Any]) -> bool:
    """The attestation speaks of exactly this op: its id, record, clock and values (a
    signature lifted onto another op, or onto other values, fails here)."""
    return (attestation.get("op_id") == str(op_id) and attestation.get("entity") == entity
            and attestation.get("entity_id") == str(entity_id) and attestation.get("hlc") == hlc
            and attestation.get("fields") == signed_fields(fields))


def staff_id_for(username: str) -> uuid.UUID:
    """A member of staff's record id; the same rule as ``ld_desktop.domain.staff_identity``."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "ld-desktop:staff:" + username.strip().casefold())


def bootstrap_message(code: str, username: str, public_key: str) -> bytes:
    """What the first administrator's key signs to claim an admin code (proof of holding it)."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"ld-desktop/admin-bootstrap/v1|{cleaned}|{username.strip().casefold()}|" \
           f"{public_key}".encode()
