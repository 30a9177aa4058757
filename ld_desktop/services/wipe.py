"""Wiping a workstation: after the sync server revoked it, or on purpose (``ld-admin wipe``).

The key slots are destroyed first, then the database (``store.shred``); the unlock guard goes
too. A short notice (when and why, no personal data) is left in the data folder so the first-run
screen can say what happened; setting the workstation up again removes it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ld_desktop.store.audit_anchor import ANCHOR_FILE, remove_anchor
from ld_desktop.store.errors import plain_file_or_missing
from ld_desktop.store.shred import shred_store
from ld_desktop.store.unlock_guard import GUARD_FILE

log = logging.getLogger(__name__)

NOTICE_FILE = "wiped-notice.json"
REVOKED = "revoked"
ON_PURPOSE = "on-purpose"
_EXPLANATIONS = {
    REVOKED: "The sync server revoked this workstation, so its key slots and encrypted "
             "database were destroyed. Nothing of the records that were on it can be read. "
             "Records that had reached the server are safe there. Ask the service lead or an "
             "administrator before setting it up again.",
    ON_PURPOSE: "This workstation was wiped on purpose (ld-admin wipe): its key slots and "
                "encrypted database were destroyed.",
}


@dataclass(frozen=True)
class WipeNotice:
    at: datetime
    why: str          # REVOKED | ON_PURPOSE
    removed: int      # files removed

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS.get(self.why, _EXPLANATIONS[ON_PURPOSE])


def wipe_workstation(data_dir: Path, why: str) -> WipeNotice:
    """Crypto-shred the store in ``data_dir`` (close it first) and leave the notice.

    Refused before anything is destroyed (``NotAPlainFile``) if a folder or a special file
    stands where the unlock guard belongs: removing it would delete what is not ours, and
    leaving it would break the next store's guard."""
    guard = data_dir / GUARD_FILE                  # a new store starts anew
    if not guard.is_symlink():                     # a link goes, never what it points to
        plain_file_or_missing(guard)               # a folder: refused, nothing destroyed
    removed = shred_store(data_dir)
    if guard.is_symlink() or guard.exists():
        guard.unlink()                             # a file, or a link (not what it points to)
        removed.append(guard.name)
    if remove_anchor(data_dir):   # whatever stands there: a folder too
        removed.append(ANCHOR_FILE)
    notice = WipeNotice(datetime.now(UTC), why, len(removed))
    _write_notice(data_dir, notice)
    log.warning("workstation store wiped (%s): %d files removed", why, len(removed))
    return notice


def _write_notice(data_dir: Path, notice: WipeNotice) -> None:
    path = data_dir / NOTICE_FILE
    body = json.dumps({"at": notice.at.isoformat(), "why": notice.why,
                       "removed": notice.removed}).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_notice(data_dir: Path) -> WipeNotice | None:
    """The notice of the last wipe, if this folder was wiped (and not set up again since)."""
    try:
        data = json.loads((data_dir / NOTICE_FILE).read_text())
        return WipeNotice(datetime.fromisoformat(data["at"]), str(data["why"]),
                          int(data["removed"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_notice(data_dir: Path) -> None:
    (data_dir / NOTICE_FILE).unlink(missing_ok=True)
