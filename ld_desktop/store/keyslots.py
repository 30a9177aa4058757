"""LUKS-style key slots: the random data key, wrapped once per user and once for recovery.

File ``keyslots.json`` beside the database. Each user slot is AES-256-GCM(Argon2id(passphrase))
of the 32-byte data key, with the slot id, database id and kind bound as associated data, so a
slot cannot be moved to another database or relabelled. The recovery slot is the same with a
printed recovery code (125 random bits) instead of a passphrase. Written atomically.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ld_desktop.store.atomic_file import write_atomically
from ld_desktop.store.errors import KeySlotFileCorrupt, KeySlotFileMissing, WrongPassphrase
from ld_desktop.store.kdf import FAST_PROFILE, KdfParams, new_params

FORMAT = "ld-desktop-keyslots"
FORMAT_VERSION = 1
RECOVERY_KIND = "recovery"
USER_KIND = "user"


@dataclass
class KeySlot:
    slot_id: str
    kind: str
    username: str | None
    created: str
    kdf: KdfParams
    nonce: bytes
    wrapped_key: bytes
    # The user's personal Ed25519 signing key (issue 12): nonce + AES-GCM of its 32-byte seed
    # under the same passphrase-derived key, bound to slot id and username (signing_key_ad).
    signing_key: bytes | None = None

    def associated_data(self, database_id: str) -> bytes:
        return f"{FORMAT}/v{FORMAT_VERSION}|{database_id}|{self.slot_id}|{self.kind}".encode()

    def signing_key_ad(self, database_id: str) -> bytes:
        return (f"{FORMAT}/v{FORMAT_VERSION}/signing-key|{database_id}|{self.slot_id}|"
                f"{(self.username or '').casefold()}").encode()

    def to_json(self) -> dict[str, Any]:
        return {
            "slot_id": self.slot_id,
            "kind": self.kind,
            "username": self.username,
            "created": self.created,
            "kdf": self.kdf.to_json(),
            "nonce": self.nonce.hex(),
            "wrapped_key": self.wrapped_key.hex(),
            **({"signing_key": self.signing_key.hex()} if self.signing_key else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        return cls(
            slot_id=str(data["slot_id"]),
            kind=str(data["kind"]),
            username=data.get("username"),
            created=str(data["created"]),
            kdf=KdfParams.from_json(data["kdf"]),
            nonce=bytes.fromhex(data["nonce"]),
            wrapped_key=bytes.fromhex(data["wrapped_key"]),
            signing_key=bytes.fromhex(data["signing_key"]) if data.get("signing_key") else None,
        )


def new_recovery_code() -> str:
    """25 base32 characters (125 bits) in five groups: easy to print and type back."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii")[:25]
    return "-".join(raw[i : i + 5] for i in range(0, 25, 5))


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


class KeySlotFile:
    def __init__(self, path: Path, database_id: str, slots: list[KeySlot]) -> None:
        self.path = path
        self.database_id = database_id
        self.slots = slots

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def create(cls, path: Path) -> KeySlotFile:
        return cls(path, str(uuid.uuid4()), [])

    @classmethod
    def load(cls, path: Path) -> KeySlotFile:
        if not path.exists():
            raise KeySlotFileMissing(path)
        try:
            data = json.loads(path.read_bytes())
            if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
                raise ValueError("unknown format")
            slots = [KeySlot.from_json(s) for s in data["slots"]]
            return cls(path, str(uuid.UUID(data["database_id"])), slots)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeySlotFileCorrupt(path) from exc

    def save(self) -> None:
        body = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "database_id": self.database_id,
            "slots": [s.to_json() for s in self.slots],
        }
        write_atomically(self.path, json.dumps(body, indent=2).encode("utf-8"))

    # ------------------------------------------------------------------ queries
    def usernames(self) -> list[str]:
        return sorted(s.username for s in self.slots if s.kind == USER_KIND and s.username)

    def has_user(self, username: str) -> bool:
        return self._user_slot(username) is not None

    def has_recovery_slot(self) -> bool:
        return any(s.kind == RECOVERY_KIND for s in self.slots)

    # ------------------------------------------------------------------ unwrapping
    def unwrap_for_user(self, username: str, passphrase: str) -> bytes:
        slot = self._user_slot(username)
        if slot is None:
            # Spend comparable time so an unknown username is not revealed by timing.
            KdfParams(*FAST_PROFILE, salt=os.urandom(16)).derive(passphrase)
            raise WrongPassphrase()
        return self._unwrap(slot, passphrase)

    def unwrap_with_recovery_code(self, code: str) -> bytes:
        for slot in self.slots:
            if slot.kind == RECOVERY_KIND:
                return self._unwrap(slot, normalise_recovery_code(code))
        raise WrongPassphrase()

    def _unwrap(self, slot: KeySlot, secret: str) -> bytes:
        wrapping_key = slot.kdf.derive(secret)
        try:
            return AESGCM(wrapping_key).decrypt(
                slot.nonce, slot.wrapped_key, slot.associated_data(self.database_id)
            )
        except InvalidTag:
            raise WrongPassphrase() from None

    def open_user_slot(self, username: str, passphrase: str) -> tuple[bytes, bytes | None]:
        """The data key and the user's signing-key seed (None if their slot has none yet),
        from one key derivation."""
        slot = self._user_slot(username)
        if slot is None:
            KdfParams(*FAST_PROFILE, salt=os.urandom(16)).derive(passphrase)
            raise WrongPassphrase()
        wrapping_key = slot.kdf.derive(passphrase)
        try:
            data_key = AESGCM(wrapping_key).decrypt(
                slot.nonce, slot.wrapped_key, slot.associated_data(self.database_id))
            seed = None if slot.signing_key is None else AESGCM(wrapping_key).decrypt(
                slot.signing_key[:12], slot.signing_key[12:], slot.signing_key_ad(self.database_id))
        except InvalidTag:
            raise WrongPassphrase() from None
        return data_key, seed

    def set_signing_key(self, username: str, passphrase: str, seed: bytes) -> None:
        """Keep (or replace) the user's signing key in their slot, wrapped like the data key."""
        slot = self._user_slot(username)
        if slot is None:
            raise WrongPassphrase()
        wrapping_key = slot.kdf.derive(passphrase)
        try:   # the passphrase must open the slot: never wrap under a key that does not
            AESGCM(wrapping_key).decrypt(slot.nonce, slot.wrapped_key,
                                         slot.associated_data(self.database_id))
        except InvalidTag:
            raise WrongPassphrase() from None
        nonce = os.urandom(12)
        slot.signing_key = nonce + AESGCM(wrapping_key).encrypt(
            nonce, seed, slot.signing_key_ad(self.database_id))
        self.save()

    # ------------------------------------------------------------------ changing slots
    def set_user_slot(self, username: str, passphrase: str, data_key: bytes) -> None:
        """Add or replace a user's slot. The new slot is written before the old one goes."""
        old = self._user_slot(username)
        self.slots.append(self._wrap(USER_KIND, username, passphrase, data_key))
        self.save()
        if old is not None:
            self.slots.remove(old)
            self.save()

    def new_recovery_slot(self, data_key: bytes) -> str:
        """Replace the recovery slot; returns the new code, to be printed once."""
        code = new_recovery_code()
        old = [s for s in self.slots if s.kind == RECOVERY_KIND]
        self.slots.append(self._wrap(RECOVERY_KIND, None, normalise_recovery_code(code), data_key))
        self.save()
        if old:
            self.slots = [s for s in self.slots if s not in old]
            self.save()
        return code

    def remove_user(self, username: str) -> bool:
        slot = self._user_slot(username)
        if slot is None:
            return False
        self.slots.remove(slot)
        self.save()
        return True

    def _wrap(self, kind: str, username: str | None, secret: str, data_key: bytes) -> KeySlot:
        slot = KeySlot(
            slot_id=str(uuid.uuid4()),
            kind=kind,
            username=username,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            kdf=new_params(),
            nonce=os.urandom(12),
            wrapped_key=b"",
        )
        wrapping_key = slot.kdf.derive(secret)
        slot.wrapped_key = AESGCM(wrapping_key).encrypt(
            slot.nonce, data_key, slot.associated_data(self.database_id)
        )
        return slot

    def _user_slot(self, username: str) -> KeySlot | None:
        key = username.casefold()
        for slot in self.slots:
            if slot.kind == USER_KIND and slot.username and slot.username.casefold() == key:
                return slot
        return None
