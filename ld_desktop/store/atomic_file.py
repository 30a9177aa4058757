"""Atomic file writes (temp file in the same folder, chmod, fsync, rename, fsync the folder)
and an exclusive lock between processes for read-modify-write of small state files."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ld_desktop.store.errors import NotAPlainFile, plain_file_or_missing


def write_atomically(path: Path, data: bytes, mode: int = 0o600, *,
                     durable_rename: bool = True) -> None:
    """Replace ``path`` with ``data`` all at once. ``durable_rename=False`` skips the folder
    fsync: after a power cut the file is whole, but may be the previous version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    if durable_rename:
        _fsync_directory(path.parent)


def _fsync_directory(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform (e.g. Windows)
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


#: never follow a link in place of a lock file (where there is such a flag)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@contextlib.contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive lock between processes (flock; msvcrt on Windows). A symbolic link, a
    folder or a FIFO in the lock file's place is refused (``NotAPlainFile``): a link is
    never followed, so no file outside the data folder is created or locked through it."""
    plain_file_or_missing(lock_path)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | _NO_FOLLOW, 0o600)
    except OSError as exc:   # put there between the look and the open
        plain_file_or_missing(lock_path)
        raise NotAPlainFile(lock_path, "not usable") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotAPlainFile(lock_path, "a special file")
    try:
        if sys.platform == "win32":   # pragma: no cover - not run on the Linux CI
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # closing releases the lock
