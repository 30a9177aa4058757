"""The data key stays out of Python strings as far as sqlcipher3 allows (issue 13, item 9):
the PRAGMA text is built in a bytearray, and the one str handed to sqlcipher3 is overwritten
once the call returns, so whatever kept a reference to it (the driver's statement cache)
no longer holds the key's hex; at lock the key's bytearray is zeroed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

import ld_desktop.store.engine as engine_module
from ld_desktop.services.workstation import Workstation

from .support import PRACT


class _RecordingConnection:
    """A real sqlcipher3 connection that keeps every SQL string it is given."""

    def __init__(self, conn: Any, seen: list[str]) -> None:
        self._conn = conn
        self._seen = seen

    def execute(self, sql: str, *args: Any) -> Any:
        self._seen.append(sql)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_the_key_pragma_string_no_longer_holds_the_key(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real_connect = sqlcipher3.connect

    class _Module:
        def __getattr__(self, name: str) -> Any:
            return getattr(sqlcipher3, name)

        @staticmethod
        def connect(*args: Any, **kwargs: Any) -> Any:
            return _RecordingConnection(real_connect(*args, **kwargs), seen)

    monkeypatch.setattr(engine_module, "sqlcipher3", _Module())
    session = Workstation(store_dir).unlock(*PRACT)
    try:
        key_hex = bytes(session.data_key).hex()
        pragma_length = len(f"PRAGMA key = \"x'{key_hex}'\"")
        assert any(len(s) == pragma_length for s in seen)   # the key statement was seen
        assert not [s for s in seen if key_hex in s]
    finally:
        session.lock()


def test_key_pragma_text_and_wiping() -> None:
    from ld_desktop.store.key_material import key_pragma, wipe_ascii_str

    key = bytearray(range(32))
    text = key_pragma("key", key)
    assert bytes(text) == b"PRAGMA key = \"x'" + bytes(key).hex().encode() + b"'\""
    made = text.decode("ascii")
    assert wipe_ascii_str(made)
    assert made == " " * len(text)
