"""`ld-admin verify`: exit 0 when intact; exit 4 naming the damage when an audit event was
edited or deleted behind the application's back, or when the database file itself is damaged,
and never a traceback."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from ld_desktop.cli.admin import main
from ld_desktop.domain.roles import Role
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.keyslots import KeySlotFile

ADMIN = ("admin1", "admin passphrase for verify")
SENIOR = ("sen1", "senior passphrase for verify")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


@pytest.fixture(scope="session")
def verify_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with some history: users, 150 demo cases (so the file has many pages)."""
    from ld_desktop.services.demo_data import seed_demo_cases

    folder = tmp_path_factory.mktemp("verify-template") / "store"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
        Workstation(folder).initialise("Verify L&D", ["Northgate Custody Suite"], *ADMIN)
        admin = Workstation(folder).unlock(*ADMIN)
        admin.accounts.add_user(SENIOR[0], Role.SENIOR, SENIOR[1])
        seed_demo_cases(admin, 150)
        admin.lock()
    return folder


@pytest.fixture
def store_dir(verify_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    shutil.copytree(verify_template, folder)
    return folder


@contextmanager
def raw_db(store_dir: Path) -> Iterator[Any]:
    """The database opened directly with the data key (from the admin's key slot), as an
    attacker with the key but without the audit-chain discipline would."""
    key = KeySlotFile.load(store_dir / "keyslots.json").unwrap_for_user(*ADMIN)
    conn = sqlcipher3.connect(str(store_dir / "ld-desktop.db"))
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        yield conn
        conn.commit()
    finally:
        conn.close()


def verify(store_dir: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str], user: tuple[str, str] = ADMIN
           ) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(user[1] + "\n"))
    capsys.readouterr()
    code = main(["verify", "--data-dir", str(store_dir), "--as", user[0],
                 "--passphrase-stdin"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def test_intact_store_verifies(store_dir: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = verify(store_dir, monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert "Database intact; audit chain intact" in out
    # a senior may verify too; running verify twice stays intact (it audits itself)
    assert verify(store_dir, monkeypatch, capsys, SENIOR)[0] == 0


def test_edited_audit_detail_is_caught_and_named(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw_db(store_dir) as db:
        seq, detail = db.execute(
            "SELECT seq, detail FROM audit_event WHERE action = 'user-added' "
            "AND detail LIKE '%sen1%'").fetchone()
        assert '"senior"' in detail
        db.execute("UPDATE audit_event SET detail = ? WHERE seq = ?",
                   (detail.replace('"senior"', '"admin"'), seq))
    code, out, err = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert f"PROBLEM: event {seq} has been altered" in out
    assert "Integrity check failed" in err
    assert "audit chain intact" not in out


def test_edited_audit_user_is_caught(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw_db(store_dir) as db:
        db.execute("UPDATE audit_event SET user = 'someone-else' WHERE seq = 2")
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "event 2 has been altered" in out


def test_recomputed_mac_without_the_key_is_still_caught(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Editing an event and re-chaining the rest with a plain SHA-256 does not help: the MAC
    needs the audit key derived from the data key."""
    import hashlib

    with raw_db(store_dir) as db:
        db.execute("UPDATE audit_event SET action = 'nothing' WHERE seq = 3")
        mac = hashlib.sha256(b"forged").hexdigest()
        db.execute("UPDATE audit_event SET mac = ? WHERE seq = 3", (mac,))
        db.execute("UPDATE audit_event SET prev_mac = ? WHERE seq = 4", (mac,))
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "event 3 has been altered" in out


def test_deleted_middle_event_is_caught(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw_db(store_dir) as db:
        db.execute("DELETE FROM audit_event WHERE seq = 5")
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "events 5..5 are missing" in out
    assert "event 6 does not follow the event before it" in out


def test_deleted_newest_events_are_caught(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw_db(store_dir) as db:
        (last,) = db.execute("SELECT max(seq) FROM audit_event").fetchone()
        db.execute("DELETE FROM audit_event WHERE seq >= ?", (last - 1,))
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "missing" in out
    assert str(last) in out
    # and the truncation stays on record: a second verify still fails
    assert verify(store_dir, monkeypatch, capsys)[0] == 4


def test_inserted_event_is_caught(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw_db(store_dir) as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(audit_event)")]
        row = dict(zip(cols, db.execute("SELECT * FROM audit_event WHERE seq = 3").fetchone(),
                       strict=True))
        db.execute("UPDATE audit_event SET seq = seq + 1000 WHERE seq > 3")
        db.execute("UPDATE audit_event SET seq = seq - 999 WHERE seq > 1003")
        row["id"] = row["id"][:-4] + "ffff"
        row["action"] = "forged"
        row["seq"] = 4
        db.execute(f"INSERT INTO audit_event ({', '.join(cols)}) VALUES "
                   f"({', '.join('?' for _ in cols)})", [row[c] for c in cols])
    code, out, _ = verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "event 4 " in out


def _ld_admin_verify(store_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LD_DESKTOP_KDF_PROFILE": "fast", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "ld_desktop.cli.admin", "verify", "--data-dir", str(store_dir),
         "--as", ADMIN[0], "--passphrase-stdin"],
        input=ADMIN[1] + "\n", text=True, capture_output=True, env=env, timeout=60,
        check=False)


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7, 0.9])
def test_flipped_byte_in_the_database_file(store_dir: Path, where: float) -> None:
    """A single flipped bit in the middle of the encrypted file: SQLCipher's page HMAC
    catches it; ld-admin says the store is damaged (exit 4), in a real process, with no
    traceback on either stream."""
    path = store_dir / "ld-desktop.db"
    data = bytearray(path.read_bytes())
    assert len(data) > 100 * 4096, "expected a many-page database"
    offset = int(len(data) * where)
    offset -= offset % 4096
    offset += 2048                    # the middle of a page, clear of any header
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))
    done = _ld_admin_verify(store_dir)
    assert done.returncode == 4, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    text = done.stdout + done.stderr
    assert "damaged" in text or "Integrity check failed" in text, text
    assert "intact" not in done.stdout.replace("not intact", "")


def test_flipped_byte_on_the_first_page(store_dir: Path) -> None:
    path = store_dir / "ld-desktop.db"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    done = _ld_admin_verify(store_dir)
    assert done.returncode == 4, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith("ld-admin: ")
    assert "damaged" in done.stderr        # not only "the files do not belong together"
