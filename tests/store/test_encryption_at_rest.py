"""Nothing readable at rest: the database, its write-ahead log and the key file hold no
plaintext, neither the SQLite header nor a registered person's details nor a passphrase."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.store import DATABASE_FILE, KEYSLOT_FILE

from .support import ADMIN, PRACT

UNUSUAL_GIVEN = "Xanthippe"
UNUSUAL_FAMILY = "Quarmbyfolly"
ALIAS = "Zebulonquist"
NHS = "9434765919"
CUSTODY_NO = "QZ/77/314159"


def _secrets() -> list[bytes]:
    words = [UNUSUAL_GIVEN, UNUSUAL_FAMILY, ALIAS, NHS, CUSTODY_NO, PRACT[1], ADMIN[1]]
    found = []
    for word in words:
        found += [word.encode("utf-8"), word.encode("utf-16-le"), word.casefold().encode()]
    return found


def _assert_no_plaintext(path: Path) -> None:
    data = path.read_bytes()
    assert data, f"{path.name} is empty: the check would prove nothing"
    assert not data.startswith(b"SQLite format 3"), f"{path.name} has a plain SQLite header"
    for secret in _secrets():
        assert secret not in data, f"{secret!r} readable in {path.name}"


def test_database_wal_and_key_file_hold_no_plaintext(store_dir: Path) -> None:
    session = Workstation(store_dir).unlock(*PRACT)
    try:
        site = session.site_ids[0]
        person = session.persons.register(
            PersonDraft(UNUSUAL_GIVEN, UNUSUAL_FAMILY, date(1984, 2, 29), nhs_number=NHS,
                        aliases=(ALIAS,), address="1 Quarmbyfolly Lane"),
            site,
        )
        session.cases.new_referral(ReferralDraft(
            person.id, site, "custody-sergeant", "arrested", custody_record_number=CUSTODY_NO))
        # the data really is there (so the byte checks below are not vacuous)
        assert [p.id for p in session.persons.search(UNUSUAL_FAMILY[:6])] == [person.id]
        wal = store_dir / (DATABASE_FILE + "-wal")
        assert wal.exists(), "expected the change in the WAL"
        assert wal.stat().st_size > 0
        for path in (store_dir / DATABASE_FILE, wal, store_dir / KEYSLOT_FILE):
            _assert_no_plaintext(path)
    finally:
        session.lock()
    # after locking, the WAL is checkpointed into the main file: check that too
    _assert_no_plaintext(store_dir / DATABASE_FILE)
    for path in store_dir.iterdir():
        if path.name.endswith(".lock"):   # lock files for flock: empty by design
            assert path.stat().st_size == 0
        elif path.is_file() and path.name != "unlock-guard.json":
            _assert_no_plaintext(path)


def test_the_plaintext_check_itself_can_fail(tmp_path: Path) -> None:
    """Guard against a vacuous test: the same check does catch a plain SQLite file."""
    import sqlite3

    plain = tmp_path / "plain.db"
    with sqlite3.connect(plain) as conn:
        conn.execute("CREATE TABLE t (name TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (UNUSUAL_FAMILY,))
    conn.close()
    with pytest.raises(AssertionError, match="plain SQLite header"):
        _assert_no_plaintext(plain)
    header = plain.read_bytes()[:16]
    plain.write_bytes(b"\0" * 16 + plain.read_bytes()[16:])   # header gone, name still there
    with pytest.raises(AssertionError, match="readable"):
        _assert_no_plaintext(plain)
    assert header.startswith(b"SQLite format 3")
