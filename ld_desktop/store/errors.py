"""Store errors, classified: environment problems get a clear message for a person; anything
else is a bug, reported without personal data (qutebrowser ``misc/sql.py`` style)."""

from __future__ import annotations

import errno
from pathlib import Path


class StoreError(Exception):
    """Base class. ``str(error)`` is a message fit to show a practitioner."""


class NotAPlainFile(StoreError):
    """A small state file of the store (the unlock guard, a lock file) is a folder, a
    symbolic link or another odd thing: refused, never followed, written through or removed
    (what stands there may be someone else's)."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(
            f"{path.name} in {path.parent} is {what}, not a plain file, so L&D Desktop will "
            "not use it. Move it out of that folder and try again; nothing was changed.")
        self.path = path


def plain_file_or_missing(path: Path) -> None:
    """Refuse (``NotAPlainFile``) unless ``path`` is a regular file or is not there, without
    following a symbolic link."""
    import stat

    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        return
    what = ("a folder" if stat.S_ISDIR(mode) else "a symbolic link" if stat.S_ISLNK(mode)
            else "a special file")
    raise NotAPlainFile(path, what)


class WrongPassphrase(StoreError):
    def __init__(self) -> None:
        super().__init__("Username or passphrase not recognised.")


class LockedOut(StoreError):
    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"Too many failed attempts. Try again in {_duration(seconds)}."
        )
        self.seconds = seconds


class UnknownUser(StoreError):
    def __init__(self, username: str) -> None:
        super().__init__(f"There is no user called {username!r} on this workstation.")


class KeySlotFileMissing(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The key file {path.name} is missing from {path.parent}. The database cannot be "
            "opened without it: restore it from the workstation backup."
        )


class KeySlotFileCorrupt(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The key file {path.name} is damaged and cannot be read. Restore it from the "
            "workstation backup; nothing in the database has been changed."
        )


class KeySlotTampered(StoreError):
    def __init__(self, who: str) -> None:
        super().__init__(
            f"The key slot of {who} has been altered outside L&D Desktop, so the keys were "
            "not rotated. Restore keyslots.json from backup, or remove and re-add that user.")


class RotationInterrupted(StoreError):
    def __init__(self) -> None:
        super().__init__("An earlier key rotation was interrupted. Lock, unlock again (that "
                         "finishes it) and then rotate the keys.")


class KeyFileBusy(StoreError):
    def __init__(self) -> None:
        super().__init__("The workstation's keys are being changed by another program. "
                         "Try again in a minute.")


class KeysRotatedElsewhere(StoreError):
    def __init__(self) -> None:
        super().__init__("The workstation's keys were rotated by another program while you "
                         "were working. Lock and unlock again, then repeat this change.")


class WrongKey(StoreError):
    def __init__(self) -> None:
        super().__init__(
            "The key opened the key file but not the database: the database is damaged, or "
            "the database and the key file do not belong together. Restore the matching pair "
            "from backup."
        )


class NotADatabase(StoreError):
    def __init__(self) -> None:
        super().__init__("The file is not an L&D Desktop database, or it is badly damaged.")


class StoreCorrupt(StoreError):
    def __init__(self, detail: str = "") -> None:
        msg = "The database is damaged. Stop using this workstation and call support."
        super().__init__(f"{msg} ({detail})" if detail else msg)


class DiskFull(StoreError):
    def __init__(self) -> None:
        super().__init__("The disk is full. Nothing was saved; free some space and try again.")


class ReadOnlyStore(StoreError):
    def __init__(self) -> None:
        super().__init__(
            "The database cannot be written to (read-only file or folder). Nothing was saved."
        )


class NotInitialised(StoreError):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(f"No L&D Desktop store in {data_dir}. Run the first-time set-up.")


class AlreadyInitialised(StoreError):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(f"{data_dir} already holds an L&D Desktop store.")


class StoreBug(StoreError):
    """Unexpected: a programming error. Carries only the exception type, never values."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(
            f"An unexpected error happened in the local store ({type(exc).__name__}). "
            "Nothing was saved. Please report it to support."
        )


def classify(exc: BaseException) -> StoreError:
    """Map a DB-API / OS error to a StoreError a person can act on."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return DiskFull()
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return ReadOnlyStore()
    text = str(getattr(exc, "orig", exc)).lower()
    if "file is not a database" in text or "file is encrypted" in text:
        return NotADatabase()
    if "malformed" in text or "corrupt" in text:
        return StoreCorrupt()
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFull()
    if "readonly" in text or "read-only" in text:
        return ReadOnlyStore()
    return StoreBug(exc)


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
