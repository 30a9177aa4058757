"""Every mutation writes rows + outbox op + audit event in one transaction; the audit chain
detects edited and deleted events; ld-admin verify reports damage with exit 4."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3

from ld_desktop.cli.admin import main as admin_main
from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.errors import StoreError
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.models import OutboxOp
from sync.hlc import Timestamp

from .support import ADMIN


def _outbox(session) -> list[OutboxOp]:  # type: ignore[no-untyped-def]
    with session.store.reading() as db:
        return list(db.query(OutboxOp).order_by(OutboxOp.device_seq))


def _raw(store_dir: Path) -> sqlcipher3.Connection:
    key = KeySlotFile.load(store_dir / "keyslots.json").unwrap_for_user(*ADMIN)
    conn = sqlcipher3.connect(str(store_dir / "ld-desktop.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _verify(store_dir: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN[1] + "\n"))
    code = admin_main(["verify", "--data-dir", str(store_dir), "--as", ADMIN[0],
                       "--passphrase-stdin"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_each_mutation_writes_an_outbox_op_with_its_base_versions(store_dir: Path) -> None:
    ws = Workstation(store_dir)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user("prac2", Role.PRACTITIONER, "practitioner passphrase")
    admin.lock()
    s = ws.unlock("prac2", "practitioner passphrase")
    start = len(_outbox(s))
    person = s.persons.register(PersonDraft("Outy", "Testington", date(1990, 1, 1)),
                                s.site_ids[0])
    case = s.cases.new_referral(ReferralDraft(person.id, s.site_ids[0], "self", "court"))
    s.cases.update(case.id, {"urgency": "urgent"})
    s.cases.update(case.id, {"urgency": "soon"})
    ops = _outbox(s)[start:]
    assert [(o.entity, o.kind) for o in ops] == [
        ("person", "upsert"), ("case", "upsert"), ("case", "upsert"), ("case", "upsert")]
    seqs = [o.device_seq for o in ops]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 4
    stamps = [Timestamp.decode(o.hlc) for o in ops]
    assert stamps == sorted(stamps)
    create, first, second = ops[1], ops[2], ops[3]
    assert create.fields["urgency"] == "routine"
    assert first.base_versions == {"urgency": str(create.op_id)}
    assert second.base_versions == {"urgency": str(first.op_id)}
    assert first.fields == {"urgency": "urgent"}
    s.lock()


def test_verify_passes_then_catches_an_edited_event(store_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(store_dir, monkeypatch, capsys)
    assert code == 0, out
    conn = _raw(store_dir)
    conn.execute("UPDATE audit_event SET detail = '{\"sites\": 9}' WHERE seq = 1")
    conn.commit()
    conn.close()
    code, out = _verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "event 1 has been altered" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("which", ["middle", "newest"])
def test_verify_catches_a_deleted_event(store_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], which: str) -> None:
    Workstation(store_dir).unlock(*ADMIN).lock()      # events 3 and 4: unlock, lock
    conn = _raw(store_dir)
    seq = 2 if which == "middle" else conn.execute("SELECT max(seq) FROM audit_event").fetchone()[0]
    conn.execute("DELETE FROM audit_event WHERE seq = ?", (seq,))
    conn.commit()
    conn.close()
    code, out = _verify(store_dir, monkeypatch, capsys)
    assert code == 4
    assert "missing" in out


def test_a_flipped_byte_in_the_database_is_reported(store_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    session = Workstation(store_dir).unlock(*ADMIN)
    from ld_desktop.services.demo_data import seed_demo_cases

    seed_demo_cases(session, 60)
    session.lock()
    db = store_dir / "ld-desktop.db"
    # fold the WAL into the main file first so the damage lands in committed pages
    conn = _raw(store_dir)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0x5A
    db.write_bytes(bytes(data))
    code, out = _verify(store_dir, monkeypatch, capsys)
    assert code == 4, out
    assert "Traceback" not in out


def test_store_errors_carry_no_personal_data() -> None:
    from sqlalchemy.exc import IntegrityError

    from ld_desktop.store.errors import classify

    raw = IntegrityError("INSERT INTO person ...", {"family_name": "Zyxqwv"},
                         Exception("UNIQUE constraint failed"))
    error = classify(raw)
    assert isinstance(error, StoreError)
    assert "Zyxqwv" not in str(error)
    assert "IntegrityError" in str(error)
