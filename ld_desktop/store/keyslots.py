"""Key slots: the random data key, sealed once per user and once for recovery.

File ``keyslots.json`` beside the database, written atomically, version 2::

    {"format": "ld-desktop-keyslots", "version": 2, "database_id": UUID,
     "generation": G,                       # which data key the database is encrypted with
     "slots": [{"slot_id": UUID, "kind": "user" | "recovery",
                "username": str | null, "role": "practitioner" | "senior" | "admin" | null,
                "created": ISO time, "kdf": {"name": "argon2id", memory_kib, iterations,
                lanes, salt},
                "public": {"x25519": hex},  # public halves; more may be added (e.g. ed25519)
                "private": {"nonce", "ciphertext"},   # AES-GCM(Argon2id(passphrase)) of the
                                                      # private bundle {"x25519": hex, ...}
                "sealed": {"generation": G, "ephemeral", "nonce", "ciphertext"},  # data key
                "mac": hex}],               # directory MAC under the current data key
     "legacy_slots": [version-1 slots not yet migrated],
     "pending": null | {"generation": G+1, "started", "reason",
                        "sealed": {slot_id: sealed}, "macs": {slot_id: mac},
                        "mac": hex}}         # under the current key: who started it held it

The private bundle and the sealed key both carry the database id, slot id, kind, username and
role as AES-GCM associated data (``slot_crypto.SlotLabel``): a slot whose label is edited
fails to open. A private bundle is a JSON object of named private keys; code that needs
another per-user key adds it to the bundle (and its public half to ``public``) with
``add_private_key``. ``pending`` is the next generation during a key rotation
(``key_rotation``): at open, the current key is tried, then the pending one.

Version-1 files (the data key wrapped directly by the passphrase key, label not bound) load
as ``legacy_slots`` and are migrated one by one at each slot's next unlock, since rewrapping
needs the passphrase.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError

from ld_desktop.store.atomic_file import write_atomically
from ld_desktop.store.errors import (
    KeySlotFileCorrupt,
    KeySlotFileMissing,
    KeysRotatedElsewhere,
    RotationInterrupted,
    WrongPassphrase,
)
from ld_desktop.store.kdf import KdfParams, new_params
from ld_desktop.store.key_file_lock import key_file_lock
from ld_desktop.store.keyslot_records import (
    FORMAT,
    FORMAT_VERSION,
    RECOVERY_KIND,
    USER_KIND,
    KeySlot,
    LegacySlot,
    OpenedSlot,
    PendingGeneration,
    new_recovery_code,
    normalise_recovery_code,
    now_stamp,
    sealed_from_model,
)
from ld_desktop.store.keyslot_schema import (
    KeyFileModel,
    KeyFileV1Model,
    parse_key_file,
)
from ld_desktop.store.slot_crypto import (
    SlotLabel,
    directory_mac,
    new_x25519,
    open_sealed_key,
    seal_data_key,
    unwrap_bundle,
    wrap_bundle,
    x25519_public_of,
)

__all__ = [
    "FORMAT", "FORMAT_VERSION", "RECOVERY_KIND", "USER_KIND", "KeySlot", "KeySlotFile",
    "LegacySlot", "OpenedSlot", "PendingGeneration", "new_recovery_code",
    "normalise_recovery_code",
]

class KeySlotFile:
    def __init__(self, path: Path, database_id: str) -> None:
        self.path = path
        self.database_id = database_id
        self.generation = 1
        self.slots: list[KeySlot] = []
        self.legacy_slots: list[LegacySlot] = []
        self.pending: PendingGeneration | None = None

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def create(cls, path: Path) -> KeySlotFile:
        return cls(path, str(uuid.uuid4()))

    @classmethod
    def load(cls, path: Path) -> KeySlotFile:
        """Parse and check the whole file before any key derivation (see keyslot_schema)."""
        if not path.exists():
            raise KeySlotFileMissing(path)
        try:
            model = parse_key_file(path.read_bytes())
        except (ValueError, ValidationError, RecursionError, MemoryError, OSError) as exc:
            raise KeySlotFileCorrupt(path) from exc
        result = cls(path, model.database_id)
        if isinstance(model, KeyFileV1Model):
            result.legacy_slots = [LegacySlot.from_model(s) for s in model.slots]
            return result
        assert isinstance(model, KeyFileModel)
        result.generation = model.generation
        result.slots = [KeySlot.from_model(s) for s in model.slots]
        result.legacy_slots = [LegacySlot.from_model(s) for s in model.legacy_slots]
        if model.pending is not None:
            p = model.pending
            result.pending = PendingGeneration(
                p.generation, p.started, p.reason,
                {k: sealed_from_model(v) for k, v in p.sealed.items()},
                {k: bytes.fromhex(v) for k, v in p.macs.items()}, bytes.fromhex(p.mac))
        return result

    def reload(self) -> None:
        fresh = KeySlotFile.load(self.path)
        if fresh.database_id != self.database_id:
            raise KeySlotFileCorrupt(self.path)
        self.generation, self.slots = fresh.generation, fresh.slots
        self.legacy_slots, self.pending = fresh.legacy_slots, fresh.pending

    @contextmanager
    def editing(self) -> Iterator[None]:
        """Hold the key-file lock and start from the file as it is on disk; refuse if the
        keys were rotated since this object was loaded (its data key would be stale), or
        while an interrupted rotation waits to be finished (a slot sealed now would be left
        out of it)."""
        with key_file_lock(self.path.parent):
            if self.path.exists():
                known = self.generation
                self.reload()
                if self.generation != known:
                    raise KeysRotatedElsewhere()
                if self.pending is not None:
                    raise RotationInterrupted()
            yield

    def save(self) -> None:
        body = {
            "format": FORMAT, "version": FORMAT_VERSION, "database_id": self.database_id,
            "generation": self.generation, "slots": [s.to_json() for s in self.slots],
            "legacy_slots": [s.to_json() for s in self.legacy_slots],
            "pending": self.pending.to_json() if self.pending else None,
        }
        write_atomically(self.path, json.dumps(body, indent=2).encode("utf-8"))

    # ------------------------------------------------------------------ queries
    def usernames(self) -> list[str]:
        names = [s.username for s in self.slots if s.kind == USER_KIND and s.username]
        return sorted(names + self.unmigrated_usernames())

    def has_user(self, username: str) -> bool:
        return self._user_slot(username) is not None or self._legacy_user(username) is not None

    def has_recovery_slot(self) -> bool:
        return any(s.kind == RECOVERY_KIND for s in self.slots) or any(
            s.kind == RECOVERY_KIND for s in self.legacy_slots)

    def unmigrated_usernames(self) -> list[str]:
        return sorted(s.username for s in self.legacy_slots if s.username)

    # ------------------------------------------------------------------ opening
    def open_user_slot(self, username: str, passphrase: str) -> OpenedSlot:
        slot = self._user_slot(username)
        if slot is not None:
            return self._open(slot, passphrase)
        legacy = self._legacy_user(username)
        if legacy is not None:
            return self._open_legacy(legacy, passphrase)
        # Spend the same time as a real slot, so an unknown username is not revealed by
        # timing: one derivation with this file's own slot parameters (not the test profile).
        kdfs = [s.kdf for s in self.slots] + [s.kdf for s in self.legacy_slots]
        like = kdfs[0] if kdfs else None
        params = (KdfParams(like.memory_kib, like.iterations, like.lanes, os.urandom(16))
                  if like is not None else new_params())
        params.derive(passphrase)
        raise WrongPassphrase()

    def unwrap_for_user(self, username: str, passphrase: str) -> bytearray:
        """Just the current data key (for support tools and tests)."""
        opened = self.open_user_slot(username, passphrase)
        key = opened.keys[0][1]
        opened.clear(keep=key)
        return key

    def open_recovery_slot(self, code: str) -> OpenedSlot:
        secret = normalise_recovery_code(code)
        for slot in self.slots:
            if slot.kind == RECOVERY_KIND:
                return self._open(slot, secret)
        for legacy in self.legacy_slots:
            if legacy.kind == RECOVERY_KIND:
                return self._open_legacy(legacy, secret)
        raise WrongPassphrase()

    def _open(self, slot: KeySlot, secret: str) -> OpenedSlot:
        wrapping_key = bytearray(slot.kdf.derive(secret))
        if slot.sealed.generation != self.generation:  # e.g. a removed slot put back
            wrapping_key[:] = bytes(len(wrapping_key))
            raise WrongPassphrase()
        label = slot.label(self.database_id)
        try:
            bundle = {k: bytearray(v) for k, v in
                      unwrap_bundle(bytes(wrapping_key), slot.private, label).items()}
            private = bytes(bundle["x25519"])
            keys = [(slot.sealed.generation, open_sealed_key(private, slot.sealed, label))]
            pending = self.pending.sealed.get(slot.slot_id) if self.pending else None
            if pending is not None:
                keys.append((pending.generation, open_sealed_key(private, pending, label)))
        except (WrongPassphrase, KeyError):
            wrapping_key[:] = bytes(len(wrapping_key))
            raise WrongPassphrase() from None
        return OpenedSlot(slot.slot_id, slot.username, slot.role, False, bundle, keys,
                          wrapping_key, slot.kdf)

    def _open_legacy(self, slot: LegacySlot, secret: str) -> OpenedSlot:
        wrapping_key = bytearray(slot.kdf.derive(secret))
        try:
            data_key = AESGCM(bytes(wrapping_key)).decrypt(
                slot.nonce, slot.wrapped_key, slot.associated_data(self.database_id))
        except InvalidTag:
            wrapping_key[:] = bytes(len(wrapping_key))
            raise WrongPassphrase() from None
        return OpenedSlot(slot.slot_id, slot.username, None, True, {},
                          [(self.generation, bytearray(data_key))], wrapping_key, slot.kdf)

    # ------------------------------------------------------------------ changing slots
    def set_user_slot(self, username: str, role: str, passphrase: str,
                      data_key: bytes | bytearray, *,
                      personal_key: tuple[str, bytes, bytes] | None = None) -> None:
        """Add or replace a user's slot (new key pair, new salt) bound to username and role;
        ``personal_key`` (name, private, public) goes into its bundle from the start (the
        user's signing key, issue 12)."""
        bundle, public = ({personal_key[0]: personal_key[1]}, {personal_key[0]: personal_key[2]}) \
            if personal_key is not None else (None, None)
        self._replace_user_slot(username, self.make_slot(
            USER_KIND, username, role, new_params(), None, passphrase, data_key,
            bundle=bundle, public=public))

    def rebind_user_slot(self, opened: OpenedSlot, username: str, role: str,
                         data_key: bytes | bytearray, new_passphrase: str | None = None) -> None:
        """Migrate a legacy slot, bind a slot to a changed role, or change its passphrase;
        the private keys in its bundle are kept. Without a new passphrase the wrapping key of
        the one just typed is reused (no second derivation)."""
        bundle = {k: bytes(v) for k, v in opened.bundle.items()} or None
        old = self._user_slot(username)
        if new_passphrase is None:
            kdf, wrapping_key = opened.kdf, bytes(opened.wrapping_key)
        else:
            kdf = new_params()
            wrapping_key = kdf.derive(new_passphrase)
        self._replace_user_slot(username, self.make_slot(
            USER_KIND, username, role, kdf, wrapping_key, None, data_key,
            bundle=bundle, public=dict(old.public) if old is not None else None))

    def _replace_user_slot(self, username: str, slot: KeySlot) -> None:
        """The new slot is written before the old one goes."""
        old = self._user_slot(username)
        old_legacy = self._legacy_user(username)
        self.slots.append(slot)
        self.save()
        if old is not None or old_legacy is not None:
            self.slots = [s for s in self.slots if s is not old]
            self.legacy_slots = [s for s in self.legacy_slots if s is not old_legacy]
            self.save()

    def new_recovery_slot(self, data_key: bytes | bytearray) -> str:
        """Replace the recovery slot; returns the new code, to be printed once."""
        code = new_recovery_code()
        old = [s for s in self.slots if s.kind == RECOVERY_KIND]
        slot = self.make_slot(RECOVERY_KIND, None, None, new_params(), None,
                              normalise_recovery_code(code), data_key)
        self.slots.append(slot)
        self.save()
        self.slots = [s for s in self.slots if s not in old]
        self.legacy_slots = [s for s in self.legacy_slots if s.kind != RECOVERY_KIND]
        self.save()
        return code

    def new_recovery_slot_keeping_code(self, opened: OpenedSlot,
                                       data_key: bytes | bytearray) -> None:
        """Move a legacy recovery slot to the bound format, with the code just typed."""
        slot = self.make_slot(RECOVERY_KIND, None, None, opened.kdf,
                              bytes(opened.wrapping_key), None, data_key)
        self.slots = [s for s in self.slots if s.kind != RECOVERY_KIND] + [slot]
        self.legacy_slots = [s for s in self.legacy_slots if s.kind != RECOVERY_KIND]
        self.save()

    def remove_user(self, username: str) -> bool:
        slot, legacy = self._user_slot(username), self._legacy_user(username)
        if slot is None and legacy is None:
            return False
        self.slots = [s for s in self.slots if s is not slot]
        self.legacy_slots = [s for s in self.legacy_slots if s is not legacy]
        self.save()
        return True

    def add_private_key(self, opened: OpenedSlot, name: str, private: bytes, public: bytes,
                        data_key: bytes | bytearray) -> None:
        """Add a named key pair (e.g. a personal signing key) to an opened slot's bundle.
        Call inside ``editing()``; the slot keeps its id, label and sealed data key."""
        slot = next(s for s in self.slots if s.slot_id == opened.slot_id)
        opened.bundle[name] = bytearray(private)
        label = slot.label(self.database_id)
        slot.private = wrap_bundle(bytes(opened.wrapping_key),
                                   {k: bytes(v) for k, v in opened.bundle.items()}, label)
        slot.public = {**slot.public, name: public}
        slot.mac = directory_mac(data_key, label, slot.public)
        self.save()

    def make_slot(self, kind: str, username: str | None, role: str | None, kdf: KdfParams,
                  wrapping_key: bytes | None, secret: str | None,
                  data_key: bytes | bytearray, *, bundle: dict[str, bytes] | None = None,
                  public: dict[str, bytes] | None = None) -> KeySlot:
        if wrapping_key is None:
            assert secret is not None
            wrapping_key = kdf.derive(secret)
        if bundle is None or "x25519" not in bundle:
            private, _ = new_x25519()
            bundle = {**(bundle or {}), "x25519": private}
        public = {**(public or {}), "x25519": x25519_public_of(bundle["x25519"])}
        slot_id = str(uuid.uuid4())
        label = SlotLabel(self.database_id, slot_id, kind, username, role)
        return KeySlot(
            slot_id=slot_id, kind=kind, username=username, role=role, created=now_stamp(), kdf=kdf,
            public=public, private=wrap_bundle(wrapping_key, bundle, label),
            sealed=seal_data_key(data_key, public["x25519"], label, self.generation),
            mac=directory_mac(data_key, label, public),
        )

    def _user_slot(self, username: str) -> KeySlot | None:
        key = username.casefold()
        for slot in self.slots:
            if slot.kind == USER_KIND and slot.username and slot.username.casefold() == key:
                return slot
        return None

    def _legacy_user(self, username: str) -> LegacySlot | None:
        key = username.casefold()
        for slot in self.legacy_slots:
            if slot.kind == USER_KIND and slot.username and slot.username.casefold() == key:
                return slot
        return None
