"""The cryptography of a version-2 key slot, without any file handling.

- **Private bundle**: a small JSON object of the slot's private keys (``{"x25519": hex}``;
  other keys, such as a personal Ed25519 signing key, may be added beside it), encrypted with
  AES-256-GCM under the passphrase-derived key. Its associated data binds the database id,
  slot id, kind, username and role, so a slot whose label was edited no longer opens.
- **Sealed data key**: the database key sealed to the slot's X25519 public key (an ephemeral
  X25519 key pair, HKDF-SHA256 of the shared secret, AES-256-GCM), with the same binding plus
  the key generation as associated data. Anyone holding the data key can seal a new one to
  every slot without knowing their passphrases; only the slot's owner can open it.
- **Directory MAC**: HMAC-SHA256 under a key derived from the current data key over a slot's
  label and public keys, so a rotation refuses a slot whose public key was swapped by someone
  who does not hold the current data key.
- **Pending MAC**: HMAC-SHA256 under a key derived from the *current* data key over a pending
  generation's sealed keys, so an interrupted rotation is only finished if it was started by
  someone holding the current key (not, say, by a removed user who planted a generation with
  a key of their own choosing for the next unlock to re-key the database to).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from ld_desktop.store.errors import WrongPassphrase

BINDING_PREFIX = "ld-desktop-keyslots/v2"
DATA_KEY_BYTES = 32
MAX_BUNDLE_BYTES = 4096


@dataclass(frozen=True)
class SlotLabel:
    """What a slot is bound to: changing any of it makes the slot fail to open."""

    database_id: str
    slot_id: str
    kind: str
    username: str | None
    role: str | None

    def associated_data(self, purpose: str, generation: int | None = None) -> bytes:
        parts = [BINDING_PREFIX, purpose, self.database_id, self.slot_id, self.kind,
                 self.username or "", self.role or ""]
        if generation is not None:
            parts.append(str(generation))
        # JSON, not a separator join: no field can smuggle a separator into another
        return json.dumps(parts, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Ciphertext:
    nonce: bytes
    data: bytes


@dataclass(frozen=True)
class SealedKey:
    generation: int
    ephemeral: bytes
    nonce: bytes
    data: bytes


def new_x25519() -> tuple[bytes, bytes]:
    """(private, public) raw 32-byte halves of a fresh X25519 key pair."""
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def x25519_public_of(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


# ---------------------------------------------------------------- private bundle
def wrap_bundle(wrapping_key: bytes, bundle: dict[str, bytes], label: SlotLabel) -> Ciphertext:
    body = json.dumps({k: v.hex() for k, v in sorted(bundle.items())}).encode("ascii")
    nonce = os.urandom(12)
    return Ciphertext(nonce, AESGCM(wrapping_key).encrypt(
        nonce, body, label.associated_data("private")))


def unwrap_bundle(wrapping_key: bytes, sealed: Ciphertext, label: SlotLabel) -> dict[str, bytes]:
    """The slot's private keys; WrongPassphrase for a wrong key *or* an edited label."""
    try:
        body = AESGCM(wrapping_key).decrypt(
            sealed.nonce, sealed.data, label.associated_data("private"))
    except InvalidTag:
        raise WrongPassphrase() from None
    parsed = json.loads(body)  # authenticated: written by us
    return {str(k): bytes.fromhex(v) for k, v in parsed.items()}


# ---------------------------------------------------------------- sealed data key
def _sealing_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=b"ld-desktop sealed data key v2").derive(shared)


def seal_data_key(data_key: bytes | bytearray, recipient_public: bytes, label: SlotLabel,
                  generation: int) -> SealedKey:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _sealing_key(shared, ephemeral_public, recipient_public)
    nonce = os.urandom(12)
    data = AESGCM(key).encrypt(nonce, bytes(data_key),
                               label.associated_data("sealed", generation))
    return SealedKey(generation, ephemeral_public, nonce, data)


def open_sealed_key(private: bytes, sealed: SealedKey, label: SlotLabel) -> bytearray:
    """The data key as a bytearray (cleared by its holder at lock)."""
    private_key = X25519PrivateKey.from_private_bytes(private)
    recipient = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(sealed.ephemeral))
        key = _sealing_key(shared, sealed.ephemeral, recipient)
        data_key = AESGCM(key).decrypt(
            sealed.nonce, sealed.data, label.associated_data("sealed", sealed.generation))
    except (InvalidTag, ValueError):  # ValueError: a low-order ephemeral point
        raise WrongPassphrase() from None
    if len(data_key) != DATA_KEY_BYTES:
        raise WrongPassphrase()
    return bytearray(data_key)


# ---------------------------------------------------------------- directory MAC
def directory_mac(data_key: bytes | bytearray, label: SlotLabel,
                  public_keys: dict[str, bytes]) -> bytes:
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"ld-desktop key slot directory v2").derive(bytes(data_key))
    body = label.associated_data("directory") + json.dumps(
        {k: v.hex() for k, v in sorted(public_keys.items())}).encode("ascii")
    return hmac.new(mac_key, body, hashlib.sha256).digest()


def directory_mac_ok(data_key: bytes | bytearray, label: SlotLabel,
                     public_keys: dict[str, bytes], mac: bytes) -> bool:
    return hmac.compare_digest(directory_mac(data_key, label, public_keys), mac)


def pending_mac(data_key: bytes | bytearray, database_id: str, generation: int,
                sealed: dict[str, SealedKey]) -> bytes:
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"ld-desktop pending generation v2").derive(bytes(data_key))
    body = json.dumps([BINDING_PREFIX, "pending", database_id, generation, sorted(
        [k, s.generation, s.ephemeral.hex(), s.nonce.hex(), s.data.hex()]
        for k, s in sealed.items())], separators=(",", ":")).encode("ascii")
    return hmac.new(mac_key, body, hashlib.sha256).digest()
