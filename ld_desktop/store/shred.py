"""Crypto-shredding a workstation's store: the key slots first, then the database.

The database is encrypted with a random data key that exists on disk only wrapped in the key
slots. Destroying the slots (overwritten with random bytes, flushed to the disk, then removed)
makes the database unreadable before it is even deleted, so a wipe cut short by a power cut
still leaves nothing readable. Then the database, its WAL and shared-memory files go.

What this cannot promise: a journalling file system or an SSD may keep an old copy of a
slot's blocks. Such a copy still needs its owner's passphrase (Argon2id) to open; whole-disk
encryption of the workstation covers the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

from ld_desktop.store.files import DATABASE_FILE, KEYSLOT_FILE

_DATABASE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _overwrite(path: Path) -> None:
    size = max(path.stat().st_size, 1)
    with path.open("r+b") as handle:
        handle.write(os.urandom(size))
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the removals durable (POSIX). Windows cannot open a folder to flush it; NTFS
    journals the removal itself."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def key_slot_files(data_dir: Path) -> list[Path]:
    """The key-slot file and any copy left beside it (a temporary file of an interrupted
    rewrite, a backup): every one of them can unwrap the data key."""
    return sorted(p for p in data_dir.glob(KEYSLOT_FILE + "*") if p.is_file()) + sorted(
        p for p in data_dir.glob("." + KEYSLOT_FILE + "*") if p.is_file())


def database_files(data_dir: Path) -> list[Path]:
    names = [DATABASE_FILE, *(DATABASE_FILE + suffix for suffix in _DATABASE_SIDE_FILES)]
    found = [data_dir / name for name in names if (data_dir / name).is_file()]
    others = sorted(p for p in data_dir.glob(DATABASE_FILE + "*")
                    if p.is_file() and p not in found)
    return found + others


def shred_store(data_dir: Path) -> list[str]:
    """Destroy the key slots (overwritten, fsynced, removed), then the database files.
    Returns the names removed, in order. Missing files are not an error."""
    removed: list[str] = []
    for path in key_slot_files(data_dir):
        _overwrite(path)
        path.unlink()
        removed.append(path.name)
    _sync_folder(data_dir)    # the slots are gone for good before the database goes
    for path in database_files(data_dir):
        path.unlink()
        removed.append(path.name)
    _sync_folder(data_dir)
    return removed
