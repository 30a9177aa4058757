"""Key-file values outside sane bounds are a damaged key file, refused before any key
derivation (issue 13, item 8): before, deep nesting raised RecursionError, memory_kib 2^31
MemoryError, iterations 10^7 ran for minutes and a non-string username crashed. ``ld-admin``
exits 4 with the damaged-key-file message, quickly, and changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ld_desktop.services.workstation import Workstation
from ld_desktop.store.errors import KeySlotFileCorrupt
from ld_desktop.store.store import DATABASE_FILE, KEYSLOT_FILE

from .support import ADMIN

ROOT = Path(__file__).resolve().parents[2]


def _set_kdf(field: str, value: object) -> Any:
    def edit(data: dict[str, Any]) -> None:
        for slot in data["slots"]:
            slot["kdf"][field] = value
    return edit


def _set_username(data: dict[str, Any]) -> None:
    for slot in data["slots"]:
        if slot["kind"] == "user":
            slot["username"] = 12345


def _add_username_list(data: dict[str, Any]) -> None:
    for slot in data["slots"]:
        if slot["kind"] == "user":
            slot["username"] = [ADMIN[0]]


EDITS = {
    "memory-2^31-KiB": _set_kdf("memory_kib", 2**31),
    "iterations-10^7": _set_kdf("iterations", 10**7),
    "lanes-0": _set_kdf("lanes", 0),
    "memory-as-text": _set_kdf("memory_kib", "8192"),
    "username-not-a-string": _set_username,
    "username-a-list": _add_username_list,
}


def _damage(folder: Path, content: bytes | None = None, edit: Any = None) -> None:
    path = folder / KEYSLOT_FILE
    if edit is not None:
        data = json.loads(path.read_text())
        edit(data)
        content = json.dumps(data).encode()
    assert content is not None
    path.write_bytes(content)


def _deeply_nested() -> bytes:
    return b'{"format": "ld-desktop-keyslots", "version": 1, "slots": ' + b"[" * 100_000 \
        + b"]" * 100_000 + b"}"


def _run_admin(folder: Path, *args: str, secrets: str) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LD_DESKTOP_KDF_PROFILE": "fast"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ld_desktop.cli.admin", *args, "--data-dir", str(folder),
         "--passphrase-stdin"], input=secrets, capture_output=True, text=True, env=env,
        timeout=60)
    return proc.returncode, proc.stderr, time.perf_counter() - start


@pytest.mark.parametrize("edit", list(EDITS.values()), ids=list(EDITS))
def test_out_of_bounds_values_are_a_damaged_key_file(store_dir: Path, edit: Any) -> None:
    _damage(store_dir, edit=edit)
    start = time.perf_counter()
    with pytest.raises(KeySlotFileCorrupt):
        Workstation(store_dir).unlock(*ADMIN)
    assert time.perf_counter() - start < 2.0


def test_deep_nesting_is_a_damaged_key_file(store_dir: Path) -> None:
    _damage(store_dir, _deeply_nested())
    with pytest.raises(KeySlotFileCorrupt):
        Workstation(store_dir).unlock(*ADMIN)


def test_an_oversized_key_file_is_damaged(store_dir: Path) -> None:
    data = json.loads((store_dir / KEYSLOT_FILE).read_text())
    data["padding"] = "x" * (2 * 1024 * 1024)
    _damage(store_dir, json.dumps(data).encode())
    with pytest.raises(KeySlotFileCorrupt):
        Workstation(store_dir).unlock(*ADMIN)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["memory-2^31-KiB", "iterations-10^7",
                                  "username-not-a-string", "deep-nesting"])
def test_ld_admin_exits_4_at_once_and_changes_nothing(store_dir: Path, case: str) -> None:
    if case == "deep-nesting":
        _damage(store_dir, _deeply_nested())
    else:
        _damage(store_dir, edit=EDITS[case])
    db_before = (store_dir / DATABASE_FILE).read_bytes()
    code, stderr, seconds = _run_admin(store_dir, "stats", "--as", ADMIN[0],
                                       secrets=ADMIN[1] + "\n")
    assert code == 4, stderr
    assert "key file keyslots.json is damaged" in stderr
    assert "Traceback" not in stderr
    assert seconds < 20
    assert (store_dir / DATABASE_FILE).read_bytes() == db_before
