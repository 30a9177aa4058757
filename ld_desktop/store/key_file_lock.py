"""An exclusive lock around changes to the key file's generations (rotation, and finishing an
interrupted one at unlock), so two processes never decide about ``pending`` at once.

``fcntl.flock`` on ``keyslots.lock`` beside the key file: the kernel releases it when its
holder dies, even by SIGKILL. Where ``fcntl`` does not exist (Windows) this is a no-op, and
only one process may use the store at a time there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ld_desktop.store.errors import KeyFileBusy

LOCK_FILE = "keyslots.lock"




@contextmanager
def key_file_lock(data_dir: Path, timeout: float = 120.0) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise KeyFileBusy() from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
