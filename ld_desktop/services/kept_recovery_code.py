"""A new recovery code that a lock kept from being shown (issue 18, key rotation).

Removing an administrator (or replacing the recovery code) re-keys the store and makes a new
recovery code; the old one stops working at once. If the workstation locks while the re-key
runs, the lock waits for it but drops its result, so the new code was never seen and the
recovery slot was useless. The code is now kept, but never in clear: it is sealed on the
re-key's worker (AES-GCM under a key derived from the new data key) and held in memory only
(never logged, never written to disk). While locked it is as safe as the store itself: the
data key is gone, so the sealed code opens only once someone unlocks. It is shown once, to
the administrator who started the re-key, after their next unlock; anyone else unlocking
meanwhile sees nothing, and it is gone for good if the application closes first (replace the
recovery code again). The one process-wide keeper holds at most one code, the newest."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ld_desktop.services.session import UserSession

_INFO = b"ld-desktop: a recovery code kept over a lock"


@dataclass(frozen=True)
class _Sealed:
    username: str
    nonce: bytes
    sealed: bytes


_guard = threading.Lock()
_kept: _Sealed | None = None


def _key(data_key: bytes | bytearray) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        bytes(data_key))


def keep(session: UserSession, code: str) -> None:
    """Seal ``code`` for the session's user under the session's (new) data key; on the worker
    that made it, while the key is still there."""
    global _kept
    nonce = os.urandom(12)
    username = session.user.username
    sealed = AESGCM(_key(session.data_key)).encrypt(nonce, code.encode(), username.encode())
    with _guard:
        _kept = _Sealed(username, nonce, sealed)


def shown() -> None:
    """The code was shown where it was made: nothing to show later."""
    global _kept
    with _guard:
        _kept = None


def take_for(session: UserSession) -> str | None:
    """The kept code, once, if ``session`` is the administrator who made it and the store
    still has the key it was sealed under (otherwise nothing, and for someone else it stays)."""
    global _kept
    with _guard:
        kept = _kept
        if kept is None or kept.username != session.user.username:
            return None
        _kept = None
    try:
        return AESGCM(_key(session.data_key)).decrypt(
            kept.nonce, kept.sealed, kept.username.encode()).decode()
    except InvalidTag:   # re-keyed again since (another rotation): that code is void anyway
        return None
