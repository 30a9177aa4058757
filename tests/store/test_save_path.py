"""Saving a case is lean (issue 17) and still does everything it did: the row, the outbox
op with its device sequence number, the search index, the audit event chained to the one
before, the chain's head and the anchor outside the database."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.store.audit import verify_chain
from ld_desktop.store.audit_anchor import ANCHOR_FILE, ANCHOR_KEY, RECORD_BYTES
from ld_desktop.store.models import AuditEvent, Case, DeviceState, OutboxOp, Person


def _referral(s: UserSession, person_id, crn: str) -> ReferralDraft:  # type: ignore[no-untyped-def]
    return ReferralDraft(person_id, s.site_ids[0], "custody-sergeant", "arrested",
                         custody_record_number=crn)


def _person(s: UserSession, family: str = "Saveworth"):  # type: ignore[no-untyped-def]
    return s.persons.register(PersonDraft("Sally", family, date(1991, 3, 4)), s.site_ids[0])


def _traced(s: UserSession) -> list[str]:
    """Every statement SQLite is asked to run on the store's connections from now on, as
    the driver sends it (SQLAlchemy's events do not see those prepared on the DB-API
    connection, ``store/prepared.py``): BEGIN and COMMIT included."""
    sent: list[str] = []

    def statement(sql: str) -> None:
        if not sql.startswith("--"):     # not FTS5's own statements on its shadow tables
            sent.append(" ".join(sql.split()))

    def trace(dbapi_connection, *_args) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(statement)

    event.listen(s.store.engine, "checkout", trace)
    return sent


def test_a_save_sends_only_the_statements_it_needs(prac: UserSession) -> None:
    person = _person(prac)
    prac.cases.new_referral(_referral(prac, person.id, "CR/0"))   # settings now cached
    sent = _traced(prac)
    prac.cases.new_referral(_referral(prac, person.id, "CR/1"))
    statements = [s.split(" (")[0].split(" WHERE")[0] for s in sent]
    # one lookup of the person, none of the device row through the ORM, one read of the
    # audit chain's tail (with its head), and nothing read twice
    assert sum(s.startswith("SELECT") for s in statements) == 4, statements
    assert not any(s.startswith("SELECT device_state") for s in statements), statements
    assert sum("FROM person WHERE" in s for s in sent) == 1, sent
    assert statements[0] == "BEGIN IMMEDIATE", statements
    assert statements[-1] == "COMMIT", statements
    assert len(sent) == 13, sent      # BEGIN IMMEDIATE, 11, COMMIT (was 16 and a COMMIT)


def test_saves_keep_the_outbox_device_sequence_and_audit_chain(prac: UserSession) -> None:
    with prac.store.reading() as db:
        before = db.scalar(select(DeviceState.next_device_seq))
        ops_before = db.scalar(select(func.count()).select_from(OutboxOp))
    people = [_person(prac, f"Chainley{i}") for i in range(3)]
    views = [prac.cases.new_referral(_referral(prac, p.id, f"CR/{i}"))
             for i, p in enumerate(people)]
    with prac.store.reading() as db:
        ops = list(db.scalars(select(OutboxOp).order_by(OutboxOp.device_seq)))[ops_before:]
        assert [o.device_seq for o in ops] == list(range(before, before + 6))
        assert db.scalar(select(DeviceState.next_device_seq)) == before + 6
        assert db.scalar(select(DeviceState.last_hlc)) == ops[-1].hlc
        case_ops = [o for o in ops if o.entity == "case"]
        assert [o.entity_id for o in case_ops] == [v.id for v in views]
        assert case_ops[0].fields["custody_record_number"] == "CR/0"
        assert case_ops[0].links == [{"entity": "person", "entity_id": str(people[0].id)}]
        stored = db.get(Case, views[0].id)
        assert stored is not None
        assert stored.custody_record_number == "CR/0"
        assert stored.field_versions["stage"] == str(case_ops[0].op_id)
        report = verify_chain(db, prac.store.audit_mac_key, prac.store.anchor)
    assert report.intact, report.problems
    assert prac.persons.search("CR/2")[0].id == people[2].id


def test_a_record_created_and_changed_in_one_transaction_is_stored_changed(
        prac: UserSession) -> None:
    site = prac.site_ids[0]
    with prac.store.unit_of_work(prac.user.username) as uow:
        person = Person(site_id=site, given_name="Tess", family_name="Twice",
                        nhs_number_status="not-known")
        uow.changes.create(person)
        uow.changes.update(person, {"family_name": "Twyce"})
        uow.audit("create", entity="person", entity_id=person.id)
        uow.audit("update", entity="person", entity_id=person.id)
        person_id = person.id
    with prac.store.reading() as db:
        stored = db.get(Person, person_id)
        assert stored is not None
        assert stored.family_name == "Twyce"
        assert stored.sex == "X"   # a column default, set when the record was made
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(2)))
        assert events[0].prev_mac == events[1].mac
        assert verify_chain(db, prac.store.audit_mac_key, prac.store.anchor).intact


def test_the_anchor_is_overwritten_in_place_and_follows_every_save(
        prac: UserSession, store_dir: Path) -> None:
    anchor = store_dir / ANCHOR_FILE
    person = _person(prac)
    inode = os.stat(anchor).st_ino
    for i in range(3):
        prac.cases.new_referral(_referral(prac, person.id, f"CR/{i}"))
        with prac.store.reading() as db:
            last = db.scalar(select(func.max(AuditEvent.seq)))
        assert json.loads(anchor.read_bytes())["seq"] == last
        assert anchor.stat().st_size == RECORD_BYTES
        assert os.stat(anchor).st_ino == inode       # no new file, no rename
    with prac.store.reading() as db:
        assert verify_chain(db, prac.store.audit_mac_key, prac.store.anchor).intact


def test_an_anchor_of_the_old_form_is_replaced_then_overwritten(
        prac: UserSession, store_dir: Path) -> None:
    anchor = store_dir / ANCHOR_FILE
    record = json.loads(anchor.read_bytes())
    anchor.write_text(json.dumps(record))             # as written before fixed-length records
    _person(prac)
    assert anchor.stat().st_size == RECORD_BYTES
    with prac.store.reading() as db:
        assert verify_chain(db, prac.store.audit_mac_key, prac.store.anchor).intact


@pytest.mark.expect_log
def test_a_damaged_anchor_is_noted_in_every_event_of_the_transaction(
        prac: UserSession, store_dir: Path) -> None:
    (store_dir / ANCHOR_FILE).write_bytes(b"\x00not json")
    with prac.store.unit_of_work(prac.user.username) as uow:
        uow.audit("first")
        uow.audit("second")
    with prac.store.reading() as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(2)))
        assert [e.detail.get(ANCHOR_KEY) for e in events] == [
            "the audit anchor file was damaged"] * 2
        assert events[0].prev_mac == events[1].mac


def test_a_screening_stores_its_field_versions_compactly(prac: UserSession) -> None:
    """A screening has an ``attestation`` field its create op does not set: its versions
    are still stored as one default (issue 17: ~0.9 KB per screening otherwise)."""
    from ld_desktop.store.models import Screening

    person = _person(prac)
    case = prac.cases.new_referral(_referral(prac, person.id, "CR/S"))
    with prac.store.unit_of_work(prac.user.username) as uow:
        screening = Screening(
            case_id=case.id, site_id=prac.site_ids[0], recorded_by=uow.user,
            instrument_id="test-screen", instrument_version="1.0", answers={"q1": 1},
            result={"total": 1}, state="draft", started_at=case.referral_time)
        uow.changes.create(screening)
        screening_id = screening.id
    with prac.store.reading() as db:
        stored = db.get(Screening, screening_id)
        assert stored is not None
        assert set(stored.stored_versions) <= {"*", "attestation"}, stored.stored_versions
        assert "attestation" not in stored.field_versions
        assert len(json.dumps(stored.stored_versions)) < 80
