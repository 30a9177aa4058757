"""The audit anchor file attacked the way someone who can write the data folder (but has no
data key) would: cut mid-record, emptied, zeroed, bytes flipped, an older copy put back,
deleted between or during sessions, replaced by a folder, a symbolic link or a FIFO.

Each must end in a clear result: `ld-admin verify` exits 4 naming the anchor, and the next
event written records what was wrong, so the evidence stays in the chain after the anchor
is rewritten; or a benign outcome the architecture documents (an older copy is a lagging
anchor, allowed). Never a traceback, a hang, a write outside the data folder, or a cut
audit tail accepted in silence."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
import test_admin_verify as shared  # type: ignore[import-not-found]

from ld_desktop.services.workstation import Workstation
from ld_desktop.store.audit_anchor import ANCHOR_FILE, RECORD_BYTES
from tests.helpers.data_folder import folder_in_place, link_in_place

_fast_kdf = shared._fast_kdf
verify_template = shared.verify_template
store_dir = shared.store_dir
raw_db = shared.raw_db
verify = shared.verify
ADMIN = shared.ADMIN


def _last_seq(folder: Path) -> int:
    with raw_db(folder) as db:
        (last,) = db.execute("SELECT max(seq) FROM audit_event").fetchone()
    return int(last)


def _a_session(folder: Path) -> None:
    """Unlock and lock: two events, and the anchor advanced after each commit."""
    Workstation(folder).unlock(*ADMIN).lock()


def _verify_fails(folder: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str], words: str) -> None:
    """ld-admin verify exits 4 and its report says ``words``."""
    code, out, _ = verify(folder, monkeypatch, capsys)
    assert code == 4, out
    assert words in out, out


def _reported_and_kept(folder: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str], words: str) -> None:
    """verify fails naming the anchor; after the next session (which rewrites the anchor)
    it still fails, because the event written then recorded what it found."""
    _verify_fails(folder, monkeypatch, capsys, words)
    _a_session(folder)
    _verify_fails(folder, monkeypatch, capsys, "when event")
    _verify_fails(folder, monkeypatch, capsys, "anchor")
    anchor = folder / ANCHOR_FILE
    assert anchor.is_file()
    assert not anchor.is_symlink()
    assert anchor.stat().st_size == RECORD_BYTES
    assert json.loads(anchor.read_bytes())["seq"] == _last_seq(folder)


@pytest.mark.parametrize("keep", [0, 1, 40, 100, RECORD_BYTES - 1])
def test_an_anchor_cut_mid_record_is_reported(
        store_dir: Path, keep: int, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    anchor = store_dir / ANCHOR_FILE
    record = anchor.read_bytes()
    end_of_json = record.rstrip().__len__()
    anchor.write_bytes(record[:keep])
    if keep >= end_of_json:
        # Only padding was cut: the record is whole. Benign, and the next write puts the
        # fixed length back (no longer overwritten in place, a new file).
        assert verify(store_dir, monkeypatch, capsys)[0] == 0
        _a_session(store_dir)
        assert anchor.stat().st_size == RECORD_BYTES
        assert verify(store_dir, monkeypatch, capsys)[0] == 0
        return
    _reported_and_kept(store_dir, monkeypatch, capsys, "audit anchor file was damaged")


def test_an_anchor_of_zero_bytes_is_reported(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (store_dir / ANCHOR_FILE).write_bytes(b"\0" * RECORD_BYTES)
    _reported_and_kept(store_dir, monkeypatch, capsys, "audit anchor file was damaged")


@pytest.mark.parametrize("where", ["seq-up", "seq-down", "mac", "padding", "brace"])
def test_a_flipped_byte_in_the_anchor_is_reported(
        store_dir: Path, where: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    anchor = store_dir / ANCHOR_FILE
    record = bytearray(anchor.read_bytes())
    text = record.decode()
    seq = json.loads(text)["seq"]
    digits = str(seq)
    at = {"seq-up": text.index(digits), "seq-down": text.index(digits) + len(digits) - 1,
          "mac": text.index('"mac"') + 10, "padding": len(text.rstrip()) + 5,
          "brace": 0}[where]
    if where == "seq-up":        # a larger number: the anchor points past the trail
        record[at] = ord("9") if digits[0] != "9" else ord("8")
    elif where == "seq-down":    # a smaller number: an event whose MAC it does not hold
        record[at] = ord(str((int(digits[-1]) + 5) % 10))
    else:
        record[at] ^= 0x01
    anchor.write_bytes(bytes(record))
    words = {"seq-up": "events are missing from the end",
             "seq-down": "the audit anchor did not match event",
             "mac": "the audit anchor did not match event"}.get(where,
                                                                "audit anchor file was damaged")
    _verify_fails(store_dir, monkeypatch, capsys, words)
    _a_session(store_dir)
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4, out


def test_an_older_copy_of_the_anchor_is_a_lagging_anchor(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Benign by design: an older anchor is what a crash before the anchor write leaves.
    It must still name a real event of this trail, and the next commit moves it on."""
    anchor = store_dir / ANCHOR_FILE
    older = anchor.read_bytes()
    _a_session(store_dir)
    _a_session(store_dir)
    anchor.write_bytes(older)
    assert verify(store_dir, monkeypatch, capsys)[0] == 0
    _a_session(store_dir)
    assert json.loads(anchor.read_bytes())["seq"] == _last_seq(store_dir)


def test_an_older_anchor_does_not_cover_a_cut_tail(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Someone with the key cuts the events since an older anchor and its head setting and
    puts the older anchor back: the missing head record still gives it away."""
    anchor = store_dir / ANCHOR_FILE
    older = anchor.read_bytes()
    kept = json.loads(older)["seq"]
    _a_session(store_dir)
    with raw_db(store_dir) as db:
        db.execute("DELETE FROM audit_event WHERE seq > ?", (kept,))
        db.execute("DELETE FROM setting WHERE key = 'audit-chain-head'")
    anchor.write_bytes(older)
    _verify_fails(store_dir, monkeypatch, capsys,
                  "record of the newest event (audit-chain-head) was missing")


def test_an_anchor_from_another_store_is_reported(
        store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    Workstation(other).initialise("Other L&D", ["Southgate Court"], *ADMIN)
    shutil.copyfile(other / ANCHOR_FILE, store_dir / ANCHOR_FILE)
    _verify_fails(store_dir, monkeypatch, capsys, "the audit anchor did not match event")


def test_an_anchor_deleted_between_sessions_is_reported(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (store_dir / ANCHOR_FILE).unlink()
    _verify_fails(store_dir, monkeypatch, capsys, "audit anchor file had been removed")


def test_an_anchor_deleted_during_a_session_is_reported(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The app stays unlocked for hours: the anchor removed while it runs must not be
    quietly written again by the next save as if the trail had just begun."""
    session = Workstation(store_dir).unlock(*ADMIN)
    (store_dir / ANCHOR_FILE).unlink()
    session.lock()                     # the next event, in the same process
    _verify_fails(store_dir, monkeypatch, capsys, "the audit anchor file was removed")


@pytest.mark.expect_log   # the anchor cannot be written while a folder stands in its place
def test_a_folder_in_place_of_the_anchor_is_reported_never_a_crash(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from ld_desktop.services.wipe import ON_PURPOSE, wipe_workstation

    anchor = store_dir / ANCHOR_FILE
    folder_in_place(anchor, "inside", "x")
    _verify_fails(store_dir, monkeypatch, capsys, "audit anchor file was damaged")
    _a_session(store_dir)
    _verify_fails(store_dir, monkeypatch, capsys, "when event")
    # wiping the workstation and setting it up again clears it, without a traceback
    wipe_workstation(store_dir, ON_PURPOSE)
    Workstation(store_dir).initialise("Verify L&D", ["Northgate Custody Suite"], *ADMIN)
    assert verify(store_dir, monkeypatch, capsys)[0] == 0


@pytest.mark.parametrize("target", ["victim", "dangling"])
def test_a_symbolic_link_in_place_of_the_anchor_is_never_written_through(
        store_dir: Path, tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A link to a file of the record's length elsewhere (a copy of the real anchor, so it
    even reads true): the app must not read it as the anchor, nor overwrite the file
    outside the data folder."""
    anchor = store_dir / ANCHOR_FILE
    victim = tmp_path / "someone-elses-file"
    if target == "victim":
        victim.write_bytes(anchor.read_bytes())
    before = victim.read_bytes() if target == "victim" else None
    link_in_place(anchor, victim)
    _verify_fails(store_dir, monkeypatch, capsys, "audit anchor file")
    _a_session(store_dir)
    if before is not None:
        assert victim.read_bytes() == before       # nothing written outside the folder
    else:
        assert not victim.exists()
    assert anchor.is_file()
    assert not anchor.is_symlink()
    _verify_fails(store_dir, monkeypatch, capsys, "when event")


def test_a_fifo_in_place_of_the_anchor_does_not_hang_verify(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    anchor = store_dir / ANCHOR_FILE
    anchor.unlink()
    os.mkfifo(anchor)
    result: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: result.append(verify(store_dir, monkeypatch,
                                                                  capsys)), daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():        # release the blocked reader so the test process can end
        fd = os.open(anchor, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(30)
        pytest.fail("verify hung reading a FIFO in place of the anchor")
    code, out, _ = result[0]
    assert code == 4, out
    assert "audit anchor file was damaged" in out
