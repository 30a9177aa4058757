"""The audit chain is anchored outside the database (issue 13 item 5): cutting the newest
events together with the `audit-chain-head` setting, or deleting every event, fails
`ld-admin verify` (exit 4), and so does removing or forging the anchor file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_admin_verify as shared  # type: ignore[import-not-found]

from ld_desktop.store.audit_anchor import ANCHOR_FILE

# The verify tests' store (users, 150 demo cases) and helpers.
_fast_kdf = shared._fast_kdf
verify_template = shared.verify_template
store_dir = shared.store_dir
raw_db = shared.raw_db
verify = shared.verify


def test_anchor_follows_every_batch(store_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(store_dir, monkeypatch, capsys)[0] == 0
    with raw_db(store_dir) as db:
        (last,) = db.execute("SELECT max(seq) FROM audit_event").fetchone()
    assert json.loads((store_dir / ANCHOR_FILE).read_text())["seq"] == last


def test_cut_tail_and_chain_head_setting_is_caught(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with raw_db(store_dir) as db:
        (last,) = db.execute("SELECT max(seq) FROM audit_event").fetchone()
        db.execute("DELETE FROM audit_event WHERE seq >= ?", (last - 3,))
        db.execute("DELETE FROM setting WHERE key = 'audit-chain-head'")
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "missing from the end" in out
    assert verify(store_dir, monkeypatch, capsys)[0] == 4   # and it stays on record


def test_every_event_deleted_is_caught(store_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with raw_db(store_dir) as db:
        db.execute("DELETE FROM audit_event")
        db.execute("DELETE FROM setting WHERE key = 'audit-chain-head'")
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "missing" in out


@pytest.mark.parametrize("damage", ["deleted", "forged", "garbage"])
def test_a_removed_or_forged_anchor_is_caught(store_dir: Path, damage: str,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    anchor = store_dir / ANCHOR_FILE
    with raw_db(store_dir) as db:
        (last,) = db.execute("SELECT max(seq) FROM audit_event").fetchone()
        db.execute("DELETE FROM audit_event WHERE seq >= ?", (last - 3,))
        db.execute("DELETE FROM setting WHERE key = 'audit-chain-head'")
    if damage == "deleted":
        anchor.unlink()
    elif damage == "forged":   # point it at the cut trail's end without the key
        anchor.write_text(json.dumps({"seq": last - 4, "mac": "0" * 64}))
    else:
        anchor.write_bytes(b"\x00not json")
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4, out
    assert "audit anchor" in out


@pytest.mark.expect_log   # provokes it on purpose (held back / wiped / cut link)
def test_a_new_store_in_a_wiped_folder_starts_a_new_anchor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from ld_desktop.services.wipe import ON_PURPOSE, wipe_workstation
    from ld_desktop.services.workstation import Workstation

    folder = tmp_path / "store"
    Workstation(folder).initialise("Verify L&D", ["Northgate Custody Suite"], *shared.ADMIN)
    for _ in range(3):
        Workstation(folder).unlock(*shared.ADMIN).lock()
    wipe_workstation(folder, ON_PURPOSE)
    assert not (folder / ANCHOR_FILE).exists()
    Workstation(folder).initialise("Verify L&D", ["Northgate Custody Suite"], *shared.ADMIN)
    assert verify(folder, monkeypatch, capsys)[0] == 0
