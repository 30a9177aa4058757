"""The strict shape of ``keyslots.json``, checked before any key derivation is attempted.

Anything outside these bounds is a damaged key file (``KeySlotFileCorrupt``), never a crash or
a hang: the file is at most 1 MiB and 32 levels deep, and the Argon2id parameters are bounded
so one derivation costs at most four times the default profile (a file claiming 2^31 KiB or
10^7 iterations is refused at once instead of exhausting memory or taking minutes).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_SLOTS = 500
# Argon2id bounds. The fast test profile (8 MiB, t=1, p=1) is the floor of memory; the
# default profile is 128 MiB x 3 iterations; cost = memory x iterations is capped at 4x that.
MIN_MEMORY_KIB = 8 * 1024
MAX_MEMORY_KIB = 1024 * 1024
MAX_ITERATIONS = 10
MAX_LANES = 8
MAX_COST = 4 * 128 * 1024 * 3


def _hex(exact_bytes: int | None = None, max_bytes: int | None = None) -> object:
    if exact_bytes is not None:
        return StringConstraints(pattern=r"^[0-9a-f]*$", min_length=2 * exact_bytes,
                                 max_length=2 * exact_bytes)
    return StringConstraints(pattern=r"^[0-9a-f]*$", min_length=2,
                             max_length=2 * (max_bytes or 0))


Key32 = Annotated[str, _hex(32)]
Nonce = Annotated[str, _hex(12)]
WrappedKey = Annotated[str, _hex(48)]  # 32-byte key + 16-byte GCM tag
Salt = Annotated[str, _hex(max_bytes=64), StringConstraints(min_length=32)]
Bundle = Annotated[str, _hex(max_bytes=4096)]
Uuid = Annotated[str, StringConstraints(
    pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
Username = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Stamp = Annotated[str, StringConstraints(max_length=64)]
KeyName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
Generation = Annotated[int, Field(ge=1, le=2**31)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class KdfModel(_Strict):
    name: Literal["argon2id"]
    memory_kib: Annotated[int, Field(ge=MIN_MEMORY_KIB, le=MAX_MEMORY_KIB)]
    iterations: Annotated[int, Field(ge=1, le=MAX_ITERATIONS)]
    lanes: Annotated[int, Field(ge=1, le=MAX_LANES)]
    salt: Salt

    @model_validator(mode="after")
    def _bounded_cost(self) -> KdfModel:
        if self.memory_kib * self.iterations > MAX_COST:
            raise ValueError("key derivation cost out of bounds")
        if self.memory_kib < 8 * self.lanes:
            raise ValueError("too little memory for the lanes")
        return self


class CiphertextModel(_Strict):
    nonce: Nonce
    ciphertext: Bundle


class SealedModel(_Strict):
    generation: Generation
    ephemeral: Key32
    nonce: Nonce
    ciphertext: WrappedKey


class _SlotLabelFields(_Strict):
    slot_id: Uuid
    kind: Literal["user", "recovery"]
    username: Username | None
    created: Stamp
    kdf: KdfModel

    @model_validator(mode="after")
    def _user_has_name(self) -> _SlotLabelFields:
        if (self.kind == "user") != (self.username is not None):
            raise ValueError("a user slot has a username; the recovery slot has none")
        return self


class SlotModel(_SlotLabelFields):
    role: Literal["practitioner", "senior", "admin"] | None
    public: Annotated[dict[KeyName, Key32], Field(min_length=1, max_length=8)]
    private: CiphertextModel
    sealed: SealedModel
    mac: Key32

    @model_validator(mode="after")
    def _role_matches_kind(self) -> SlotModel:
        if (self.kind == "user") != (self.role is not None):
            raise ValueError("a user slot has a role; the recovery slot has none")
        if "x25519" not in self.public:
            raise ValueError("a slot needs its X25519 public key")
        return self


class LegacySlotModel(_SlotLabelFields):
    """A version-1 slot: the data key wrapped directly, label not bound (until migrated)."""

    nonce: Nonce
    wrapped_key: WrappedKey


class PendingModel(_Strict):
    generation: Generation
    started: Stamp
    reason: Annotated[str, StringConstraints(max_length=200)]
    sealed: Annotated[dict[Uuid, SealedModel], Field(max_length=MAX_SLOTS)]
    macs: Annotated[dict[Uuid, Key32], Field(max_length=MAX_SLOTS)]
    mac: Key32  # under the current data key: who started the rotation held it


class KeyFileModel(_Strict):
    format: Literal["ld-desktop-keyslots"]
    version: Literal[2]
    database_id: Uuid
    generation: Generation
    slots: Annotated[list[SlotModel], Field(max_length=MAX_SLOTS)]
    legacy_slots: Annotated[list[LegacySlotModel], Field(max_length=MAX_SLOTS)]
    pending: PendingModel | None

    @model_validator(mode="after")
    def _consistent(self) -> KeyFileModel:
        ids = [s.slot_id for s in self.slots] + [s.slot_id for s in self.legacy_slots]
        if len(ids) != len(set(ids)):
            raise ValueError("two slots share an id")
        if self.pending is not None and self.pending.generation != self.generation + 1:
            raise ValueError("the pending generation is not the next one")
        return self


class KeyFileV1Model(_Strict):
    format: Literal["ld-desktop-keyslots"]
    version: Literal[1]
    database_id: Uuid
    slots: Annotated[list[LegacySlotModel], Field(max_length=MAX_SLOTS)]


def _depth(text: bytes) -> int:
    """Deepest bracket nesting, counted without parsing (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse_key_file(raw: bytes) -> KeyFileModel | KeyFileV1Model:
    """Raise ValueError for anything but a well-formed version-1 or version-2 key file."""
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError("key file too large")
    if _depth(raw) > MAX_DEPTH:
        raise ValueError("key file nested too deeply")
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("key file is not an object")
    if data.get("version") == 1:
        return KeyFileV1Model.model_validate(data)
    return KeyFileModel.model_validate(data)

