"""The records kept in ``keyslots.json`` (see ``keyslots`` for the file format): a version-2
slot, a version-1 (legacy) slot, the pending generation of a key rotation, and an opened slot
with its secrets in bytearrays. Also the printed recovery code's shape."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ld_desktop.store.kdf import KdfParams
from ld_desktop.store.keyslot_schema import LegacySlotModel, SealedModel, SlotModel
from ld_desktop.store.slot_crypto import Ciphertext, SealedKey, SlotLabel

FORMAT = "ld-desktop-keyslots"
FORMAT_VERSION = 2
RECOVERY_KIND = "recovery"
USER_KIND = "user"


def now_stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class KeySlot:
    slot_id: str
    kind: str
    username: str | None
    role: str | None
    created: str
    kdf: KdfParams
    public: dict[str, bytes]
    private: Ciphertext
    sealed: SealedKey
    mac: bytes

    def label(self, database_id: str) -> SlotLabel:
        return SlotLabel(database_id, self.slot_id, self.kind, self.username, self.role)

    def to_json(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id, "kind": self.kind, "username": self.username,
            "role": self.role, "created": self.created, "kdf": self.kdf.to_json(),
            "public": {k: v.hex() for k, v in self.public.items()},
            "private": {"nonce": self.private.nonce.hex(),
                        "ciphertext": self.private.data.hex()},
            "sealed": sealed_json(self.sealed), "mac": self.mac.hex(),
        }

    @classmethod
    def from_model(cls, m: SlotModel) -> KeySlot:
        return cls(
            slot_id=m.slot_id, kind=m.kind, username=m.username, role=m.role,
            created=m.created, kdf=KdfParams.from_json(m.kdf.model_dump()),
            public={k: bytes.fromhex(v) for k, v in m.public.items()},
            private=Ciphertext(bytes.fromhex(m.private.nonce),
                               bytes.fromhex(m.private.ciphertext)),
            sealed=sealed_from_model(m.sealed), mac=bytes.fromhex(m.mac),
        )


@dataclass
class LegacySlot:
    """A version-1 slot: AES-GCM(Argon2id(passphrase)) of the data key, label not bound."""

    slot_id: str
    kind: str
    username: str | None
    created: str
    kdf: KdfParams
    nonce: bytes
    wrapped_key: bytes

    def associated_data(self, database_id: str) -> bytes:
        return f"{FORMAT}/v1|{database_id}|{self.slot_id}|{self.kind}".encode()

    def to_json(self) -> dict[str, Any]:
        return {"slot_id": self.slot_id, "kind": self.kind, "username": self.username,
                "created": self.created, "kdf": self.kdf.to_json(),
                "nonce": self.nonce.hex(), "wrapped_key": self.wrapped_key.hex()}

    @classmethod
    def from_model(cls, m: LegacySlotModel) -> LegacySlot:
        return cls(m.slot_id, m.kind, m.username, m.created,
                   KdfParams.from_json(m.kdf.model_dump()), bytes.fromhex(m.nonce),
                   bytes.fromhex(m.wrapped_key))


@dataclass
class PendingGeneration:
    generation: int
    started: str
    reason: str
    sealed: dict[str, SealedKey] = field(default_factory=dict)
    macs: dict[str, bytes] = field(default_factory=dict)
    mac: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {"generation": self.generation, "started": self.started, "reason": self.reason,
                "sealed": {k: sealed_json(v) for k, v in self.sealed.items()},
                "macs": {k: v.hex() for k, v in self.macs.items()}, "mac": self.mac.hex()}


@dataclass
class OpenedSlot:
    """A slot opened with its passphrase (or recovery code): everything unlock needs.

    ``keys`` are the candidate data keys, current generation first, then the pending one.
    ``wrapping_key`` is kept only to migrate or re-bind the slot; call ``clear`` when done.
    """

    slot_id: str
    username: str | None
    role: str | None  # the bound role; None for a legacy (version-1) slot
    legacy: bool
    bundle: dict[str, bytearray]
    keys: list[tuple[int, bytearray]]
    wrapping_key: bytearray
    kdf: KdfParams

    def clear(self, keep: bytearray | None = None) -> None:
        """Wipe every secret held here except ``keep`` (the data key now in use)."""
        candidates = [k for _, k in self.keys if k is not keep]
        for secret in [*self.bundle.values(), self.wrapping_key, *candidates]:
            secret[:] = bytes(len(secret))


def sealed_json(s: SealedKey) -> dict[str, Any]:
    return {"generation": s.generation, "ephemeral": s.ephemeral.hex(), "nonce": s.nonce.hex(),
            "ciphertext": s.data.hex()}


def sealed_from_model(m: SealedModel) -> SealedKey:
    return SealedKey(m.generation, bytes.fromhex(m.ephemeral), bytes.fromhex(m.nonce),
                     bytes.fromhex(m.ciphertext))




def new_recovery_code() -> str:
    """25 base32 characters (125 bits) in five groups: easy to print and type back."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii")[:25]
    return "-".join(raw[i : i + 5] for i in range(0, 25, 5))


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())
