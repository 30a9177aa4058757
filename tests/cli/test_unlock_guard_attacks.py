"""The unlock guard and the store's lock files attacked the way someone who can write the
data folder (but has no key) would: a folder put where ``unlock-guard.json`` belongs, and a
symbolic link put where a lock file belongs (``unlock-guard.lock``, the audit anchor's lock).

Each is refused with a clear message and loses nothing: the wipe destroys no key slot before
refusing, and no file outside the data folder is created or locked through a link."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import test_admin_verify as shared  # type: ignore[import-not-found]

from ld_desktop.cli.admin import main
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.audit_anchor import ANCHOR_FILE
from ld_desktop.store.errors import NotAPlainFile
from ld_desktop.store.unlock_guard import GUARD_FILE, GUARD_LOCK_FILE
from tests.helpers.data_folder import folder_in_place, link_in_place

_fast_kdf = shared._fast_kdf
verify_template = shared.verify_template
store_dir = shared.store_dir
ADMIN = shared.ADMIN


def _wipe(folder: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    capsys.readouterr()
    code = main(["wipe", "--data-dir", str(folder), "--yes"])
    return code, capsys.readouterr().err


@pytest.mark.expect_log   # the wipe, once the folder is moved, logs that it wiped
def test_a_folder_in_place_of_the_guard_refuses_the_wipe_and_destroys_nothing(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    guard = store_dir / GUARD_FILE
    folder_in_place(guard, "someone-elses", "kept")
    before = {p.name: p.read_bytes() for p in store_dir.iterdir() if p.is_file()}
    code, err = _wipe(store_dir, monkeypatch, capsys)
    assert code == 2, err
    assert "unlock-guard.json" in err
    assert "a folder" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in store_dir.iterdir() if p.is_file()} == before
    assert (guard / "someone-elses").read_text() == "kept"
    # moved out of the way, as the message says: the wipe goes ahead
    guard.rename(store_dir.parent / "moved-away")
    assert _wipe(store_dir, monkeypatch, capsys)[0] == 0
    assert not (store_dir / "keyslots.json").exists()


@pytest.mark.expect_log   # the wipe logs that it wiped
def test_a_link_in_place_of_the_guard_is_removed_not_its_target(
        store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    victim = tmp_path / "someone-elses-file"
    victim.write_text("kept")
    guard = store_dir / GUARD_FILE
    link_in_place(guard, victim)
    assert _wipe(store_dir, monkeypatch, capsys)[0] == 0
    assert victim.read_text() == "kept"
    assert not guard.is_symlink()


@pytest.mark.parametrize("lock_name", [GUARD_LOCK_FILE, ANCHOR_FILE + ".lock"])
@pytest.mark.parametrize("target", ["victim", "dangling"])
def test_a_link_in_place_of_a_lock_file_is_refused_never_followed(
        store_dir: Path, tmp_path: Path, lock_name: str, target: str) -> None:
    lock = store_dir / lock_name
    victim = tmp_path / "someone-elses-file"
    if target == "victim":
        victim.write_text("kept")
    link_in_place(lock, victim, missing_ok=True)
    with pytest.raises(NotAPlainFile, match="symbolic link"):
        Workstation(store_dir).unlock(*ADMIN).lock()
    if target == "victim":
        assert victim.read_text() == "kept"
    else:
        assert not victim.exists()             # nothing created outside the data folder
    assert lock.is_symlink()                   # left for a person to look at
    lock.unlink()
    Workstation(store_dir).unlock(*ADMIN).lock()   # and all is well once it is moved
