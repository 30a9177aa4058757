"""Every mutation writes its rows, one outbox op and an audit event in one transaction;
device_seq and the HLC only go forward; base_versions name the op that last set each field;
a failure inside a unit of work leaves nothing behind."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.store.errors import StoreBug
from ld_desktop.store.models import AuditEvent, Case, DeviceState, OutboxOp, Person, StaffMember
from ld_desktop.store.models.base import UTCDateTime
from sync.hlc import Timestamp


def _ops(session: UserSession) -> list[OutboxOp]:
    with session.store.reading() as db:
        return list(db.scalars(select(OutboxOp).order_by(OutboxOp.device_seq)))


def _audit(session: UserSession) -> list[AuditEvent]:
    with session.store.reading() as db:
        return list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _count(session: UserSession, model: type) -> int:
    with session.store.reading() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _state(session: UserSession) -> dict[str, Any]:
    with session.store.reading() as db:
        search_rows = db.execute(text("SELECT count(*) FROM person_search")).scalar()
        device = db.get(DeviceState, 1)
        assert device is not None
        return {
            "persons": _count(session, Person), "cases": _count(session, Case),
            "ops": _count(session, OutboxOp), "audit": _count(session, AuditEvent),
            "search": search_rows, "next_seq": device.next_device_seq,
            "last_hlc": device.last_hlc,
        }


def _register(session: UserSession, family: str = "Outboxley") -> uuid.UUID:
    person = session.persons.register(
        PersonDraft("Olive", family, date(1991, 3, 4), nhs_number="943 476 5919"),
        session.site_ids[0],
    )
    return person.id


def _refer(session: UserSession, person_id: uuid.UUID) -> uuid.UUID:
    return session.cases.new_referral(ReferralDraft(
        person_id, session.site_ids[0], "custody-sergeant", "arrested",
        custody_record_number="NG/1234/26")).id


def test_register_person_writes_row_op_and_audit_together(prac: UserSession) -> None:
    before_ops, before_audit = _ops(prac), _audit(prac)
    person_id = _register(prac)
    new_ops = _ops(prac)[len(before_ops):]
    new_audit = _audit(prac)[len(before_audit):]
    assert len(new_ops) == 1
    op = new_ops[0]
    assert (op.entity, op.entity_id, op.kind, op.user) == ("person", person_id, "upsert", "prac1")
    assert op.fields["family_name"] == "Outboxley"
    assert op.fields["nhs_number"] == "9434765919"
    assert op.sites == [str(prac.site_ids[0])]
    assert set(op.base_versions) == set(op.fields)
    assert all(v is None for v in op.base_versions.values())   # a new record
    assert op.status == "pending"
    assert [(e.action, e.entity, e.entity_id) for e in new_audit] == [
        ("create", "person", person_id)]
    with prac.store.reading() as db:
        person = db.get(Person, person_id)
        assert person is not None
        # every field's version token is this op
        assert set(person.field_versions.values()) == {str(op.op_id)}


def test_new_referral_and_updates_chain_base_versions(prac: UserSession) -> None:
    person_id = _register(prac)
    case_id = _refer(prac, person_id)
    create_op = _ops(prac)[-1]
    assert (create_op.entity, create_op.entity_id, create_op.kind) == ("case", case_id, "upsert")
    assert create_op.links == [{"entity": "person", "entity_id": str(person_id)}]

    changed = prac.cases.update(case_id, {"stage": "seen", "urgency": "urgent"})
    assert changed == ["seen_at", "stage", "urgency"]
    first = _ops(prac)[-1]
    assert first.entity_id == case_id
    assert set(first.fields) == {"stage", "urgency", "seen_at"}
    assert first.base_versions == {
        "stage": str(create_op.op_id), "urgency": str(create_op.op_id),
        "seen_at": str(create_op.op_id)}

    prac.cases.update(case_id, {"stage": "screened"})
    second = _ops(prac)[-1]
    assert set(second.fields) == {"stage", "screened_at"}
    assert second.base_versions == {"stage": str(first.op_id),
                                    "screened_at": str(create_op.op_id)}

    # an update that changes nothing writes no op and no audit event
    ops_before, audit_before = len(_ops(prac)), len(_audit(prac))
    assert prac.cases.update(case_id, {"urgency": "urgent"}) == []
    assert (len(_ops(prac)), len(_audit(prac))) == (ops_before, audit_before)

    updates = [e for e in _audit(prac) if e.action == "update" and e.entity_id == case_id]
    assert [e.detail["fields"] for e in updates] == [
        ["seen_at", "stage", "urgency"], ["screened_at", "stage"]]
    with prac.store.reading() as db:
        case = db.get(Case, case_id)
        assert case is not None
        assert case.field_versions["stage"] == str(second.op_id)
        assert case.field_versions["urgency"] == str(first.op_id)
        assert case.field_versions["referral_source"] == str(create_op.op_id)


def test_device_seq_and_hlc_strictly_increase(prac: UserSession) -> None:
    for n in range(4):
        person_id = _register(prac, f"Sequence{n}")
        case_id = _refer(prac, person_id)
        prac.cases.update(case_id, {"holder": f"someone{n}"})
    ops = _ops(prac)
    seqs = [op.device_seq for op in ops]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))     # no gaps, no repeats
    stamps = [Timestamp.decode(op.hlc) for op in ops]
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert [op.hlc for op in ops] == sorted(op.hlc for op in ops)  # and they sort as text
    assert len({op.op_id for op in ops}) == len(ops)
    state = _state(prac)
    assert state["next_seq"] == seqs[-1] + 1
    assert state["last_hlc"] == ops[-1].hlc


def test_hlc_never_runs_backwards_after_reopening(store_dir: Any, prac: UserSession) -> None:
    from ld_desktop.services.workstation import Workstation

    from .support import PRACT

    _register(prac, "Before")
    last = Timestamp.decode(_ops(prac)[-1].hlc)
    prac.lock()
    session = Workstation(store_dir).unlock(*PRACT)
    try:
        # pretend the wall clock jumped an hour back
        session.store.clock._now_ms = lambda: last.wall_ms - 3_600_000  # type: ignore[method-assign]
        _register(session, "After")
        assert Timestamp.decode(_ops(session)[-1].hlc) > last
    finally:
        session.lock()


def test_add_user_writes_staff_row_op_and_audit(admin: UserSession) -> None:
    ops_before, audit_before = len(_ops(admin)), len(_audit(admin))
    admin.accounts.add_user("newbie", Role.SENIOR, "a fresh senior passphrase")
    new_ops = _ops(admin)[ops_before:]
    assert [(o.entity, o.kind) for o in new_ops] == [("staff", "upsert")]
    assert new_ops[0].fields["username"] == "newbie"
    assert new_ops[0].fields["role"] == "senior"
    new_audit = _audit(admin)[audit_before:]
    assert [(e.action, e.detail) for e in new_audit] == [
        ("user-added", {"username": "newbie", "role": "senior"})]
    with admin.store.reading() as db:
        assert db.scalar(select(StaffMember).where(StaffMember.username == "newbie"))


def test_failure_inside_a_unit_of_work_leaves_nothing(prac: UserSession) -> None:
    before = _state(prac)

    def write_then_fail() -> None:
        with prac.store.unit_of_work(prac.user.username) as uow:
            person = Person(site_id=prac.site_ids[0], given_name="Rolled", family_name="Back")
            uow.changes.create(person)
            uow.audit("create", entity="person", entity_id=person.id)
            uow.session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    assert _state(prac) == before
    # the next op carries on from the same sequence number: nothing was half-used
    _register(prac)
    assert _ops(prac)[-1].device_seq == before["next_seq"]


def test_failure_inside_a_service_mutation_leaves_nothing(
    prac: UserSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """new_referral fails after its case row and outbox op are written (at the search index):
    the case, its op, its audit event and the search update all roll back."""
    person_id = _register(prac)
    before = _state(prac)

    def broken_index(*args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("ld_desktop.services.cases.index_person", broken_index)
    with pytest.raises(OSError, match="Input/output"):
        _refer(prac, person_id)
    assert _state(prac) == before
    monkeypatch.undo()
    _refer(prac, person_id)
    after = _state(prac)
    assert (after["cases"], after["ops"]) == (before["cases"] + 1, before["ops"] + 1)


def test_database_error_mid_transaction_rolls_back_and_is_classified(
    prac: UserSession,
) -> None:
    before = _state(prac)

    def write_bad_reference() -> None:
        with prac.store.unit_of_work("prac1") as uow:
            uow.changes.create(Person(site_id=prac.site_ids[0], given_name="A", family_name="B"))
            uow.audit("create", entity="person")
            # a foreign key to a site that does not exist fails inside the same transaction
            uow.changes.create(Person(site_id=uuid.uuid4(), given_name="C", family_name="D"))

    with pytest.raises(StoreBug) as info:
        write_bad_reference()
    assert "Nothing was saved" in str(info.value)
    assert _state(prac) == before


def test_naive_datetimes_are_refused(prac: UserSession) -> None:
    column_type = UTCDateTime()
    with pytest.raises(ValueError, match="naive datetime refused"):
        column_type.process_bind_param(datetime(2026, 1, 1, 12, 0), None)  # type: ignore[arg-type]
    aware = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert column_type.process_bind_param(aware, None) == datetime(2026, 1, 1, 12, 0)  # type: ignore[arg-type]

    person_id = _register(prac)
    before = _state(prac)
    with pytest.raises(StoreBug), prac.store.unit_of_work("prac1") as uow:
        uow.changes.create(Case(
            person_id=person_id, site_id=prac.site_ids[0], referral_source="court",
            referral_time=datetime(2026, 1, 1, 9, 30),   # naive: refused
            contact_type="court"))
    assert _state(prac) == before
    # the service refuses it before it reaches the store, with a message for a person
    with pytest.raises(ValueError, match="time zone"):
        prac.cases.new_referral(ReferralDraft(
            person_id, prac.site_ids[0], "court", "court",
            referral_time=datetime(2026, 1, 1, 9, 30)))
    # and what comes back is always aware UTC
    case_id = _refer(prac, person_id)
    with prac.store.reading() as db:
        case = db.get(Case, case_id)
        assert case is not None
        assert case.referral_time.tzinfo is UTC
        assert case.created_at.tzinfo is UTC


def test_pending_count_counts_in_sql_without_loading_rows(prac: UserSession) -> None:
    from sqlalchemy import event

    from ld_desktop.store.replica import StoreReplica

    for n in range(3):
        prac.persons.register(PersonDraft(f"Countson{n}", "Testy", date(1990, 1, 1)),
                              prac.site_ids[0])
    replica = StoreReplica(prac.store, "device-under-test")
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    event.listen(prac.store.engine, "before_cursor_execute", seen)
    try:
        counted = replica.pending_count()
    finally:
        event.remove(prac.store.engine, "before_cursor_execute", seen)
    with prac.store.reading() as db:
        rows = db.scalars(select(OutboxOp)).all()
    assert counted == len(rows) >= 3
    outbox_reads = [s for s in statements if "outbox" in s]
    assert outbox_reads, statements
    assert all("count(" in s for s in outbox_reads), outbox_reads
