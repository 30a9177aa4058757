"""Environment problems become clear messages; anything else is a bug report without data."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from ld_desktop.store.errors import (
    DiskFull,
    NotADatabase,
    ReadOnlyStore,
    StoreBug,
    StoreCorrupt,
    classify,
)


@pytest.mark.parametrize(("raised", "expected", "words"), [
    (OSError(errno.ENOSPC, "No space left on device"), DiskFull, "disk is full"),
    (OSError(errno.EROFS, "Read-only file system"), ReadOnlyStore, "cannot be written"),
    (sqlite3.OperationalError("database or disk is full"), DiskFull, "disk is full"),
    (sqlite3.OperationalError("attempt to write a readonly database"), ReadOnlyStore,
     "read-only"),
    (sqlite3.DatabaseError("file is not a database"), NotADatabase, "not an L&D Desktop"),
    (sqlite3.DatabaseError("database disk image is malformed"), StoreCorrupt, "damaged"),
    (KeyError("Testington"), StoreBug, "report it to support"),
])
def test_classification(raised: Exception, expected: type, words: str) -> None:
    error = classify(raised)
    assert isinstance(error, expected)
    assert words in str(error)
    assert "Testington" not in str(error)
