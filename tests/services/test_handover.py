"""The handover service: what the summary gathers (and stops gathering once dealt with), for
the senior's sites only; the report stored with a handover; a practitioner's own end of shift.
(Refusal, override and acknowledgement across workstations: tests/integration.)"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.consent import ConsentDraft
from ld_desktop.services.clinical.risk import RiskDraft
from ld_desktop.services.errors import PermissionDenied
from ld_desktop.services.handover import HandoverNotSafe
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession

from .support import ADMIN, BOTH, NORTH, NORTH_SITE, SOUTH, SOUTH_SITE


def _case(session: UserSession, site_name: str, family: str, *, minutes_ago: int = 10,
          contact: str = "arrested") -> uuid.UUID:
    site = site_id_for(site_name)
    person = session.persons.register(PersonDraft("Handy", family, date(1980, 5, 6)), site)
    referred = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return session.cases.new_referral(ReferralDraft(
        person.id, site, "custody-sergeant", contact, referral_time=referred,
        custody_record_number=f"{family}/1")).id


def _texts(items: tuple) -> list[str]:  # type: ignore[type-arg]
    return [i.text for i in items]


def _shift() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=6), now + timedelta(hours=2)


def test_summary_gathers_each_section_and_drops_what_is_dealt_with(open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    south = open_session(SOUTH)
    senior = open_session(BOTH)
    start, end = _shift()
    a = _case(north, NORTH_SITE, "Alpha", minutes_ago=200)     # breached: not seen in 2 h
    b = _case(south, SOUTH_SITE, "Bravo", contact="voluntary-attendance")
    north.risk.record(a, RiskDraft("high", "low", "low", "low", "high", "Said they would",
                                   date.today() + timedelta(days=1)))
    escalation = north.escalations.request(a, "mental-health-nurse", "urgent", "Low mood")
    referral = north.referrals.make(a, "cmht")
    north.referrals.add_action(a, "Ring the GP surgery", due_at=end + timedelta(hours=1))
    north.referrals.add_action(a, "Chase housing next week", due_at=end + timedelta(days=7))
    north.consent.record(a, ConsentDraft("police", "given", "has-capacity"))

    summary = senior.handover.summary(start, end)
    assert summary.site_names == (NORTH_SITE, SOUTH_SITE)
    assert [r.id for r in summary.in_custody] == [a]              # B attended voluntarily
    assert {r.id for rows in summary.open_by_stage.values() for r in rows} == {a, b}
    review = date.today() + timedelta(days=1)
    assert _texts(summary.high_risks) == [
        f"ALPHA, Handy (Alpha/1): High risk: review {review:%d %b}"]
    assert _texts(summary.pending_escalations) == [
        "ALPHA, Handy (Alpha/1): Escalation to mental health nurse (urgent, requested)"]
    assert _texts(summary.referrals_awaiting) == [
        "ALPHA, Handy (Alpha/1): Referral to Community mental health team awaiting an answer"]
    assert [i.text.split(" (due")[0] for i in summary.follow_ups_due] == [
        "ALPHA, Handy (Alpha/1): Ring the GP surgery"]   # next week's is not due yet
    assert _texts(summary.sharing_to_do) == [
        "ALPHA, Handy (Alpha/1): Information sharing with Custody sergeant / police to do"]
    assert [r.id for r in summary.breaches_this_shift] == [a]
    assert all(i.case_id == a for i in summary.high_risks + summary.sharing_to_do)
    assert summary.pending_ops > 0
    assert summary.open_conflicts == 0

    # a practitioner at one site sees only that site's cases
    assert {r.id for rows in south.handover.summary(start, end).open_by_stage.values()
            for r in rows} == {b}

    # dealt with: no longer handed over
    north.escalations.set_status(escalation.id, "accepted")
    north.escalations.set_status(escalation.id, "completed", "Seen by the nurse")
    north.referrals.set_status(referral.id, "accepted")
    report = north.sharing.build(a, "police", ["vulnerabilities"])
    north.sharing.record_shared(report)
    after = senior.handover.summary(start, end)
    assert after.pending_escalations == ()
    assert after.referrals_awaiting == ()
    assert after.sharing_to_do == ()


def test_staffing_now_and_next_and_the_stored_report(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    north = open_session(NORTH)
    _case(north, NORTH_SITE, "Charlie", minutes_ago=65)
    today = date.today()
    north_id, south_id = site_id_for(NORTH_SITE), site_id_for(SOUTH_SITE)
    senior.rota.assign(north_id, today, "07:00", "15:00", "north1")
    senior.rota.assign(south_id, today, "15:00", "23:00", "south1")
    nine = datetime.combine(today, datetime.min.time()).replace(hour=9)
    start, end = _shift()
    summary = senior.handover.summary(start, end, local_now=nine)
    assert [(s.username, s.site_id) for s in summary.staffing_now] == [("north1", str(north_id))]
    assert [s.username for s in summary.staffing_next] == ["south1"]
    with pytest.raises(HandoverNotSafe):                          # changes not yet synced
        senior.handover.complete(start, end, {"general": "Quiet"}, None, summary=summary)
    record = senior.handover.complete(start, end, {"general": "Quiet", "_report": "ignored"},
                                      None, "Not enrolled yet", summary=summary)
    assert record.notes == {"general": "Quiet"}
    assert record.site_names == (NORTH_SITE, SOUTH_SITE)
    sections = record.sections
    assert next(iter(sections)) == "In custody or awaiting court (1)"
    [line] = sections["Open: Referred (1)"]
    assert line.replace("\u00a0", " ").startswith(
        f"CHARLIE, Handy (Charlie/1), {NORTH_SITE}, waiting 1 h 0")
    assert sections["Staffing now"] == [f"north1 07:00-15:00, {NORTH_SITE}"]
    assert sections["Staffing next shift"] == [f"south1 15:00-23:00, {SOUTH_SITE}"]
    # stored: the same report read back, as any workstation would print it
    assert senior.handover.previous()[0].sections == sections


def test_practitioners_own_end_of_shift_and_who_hands_over(open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    case = _case(north, NORTH_SITE, "Delta")
    north.referrals.add_action(case, "Book an interpreter")
    north.escalations.request(case, "psychiatrist", "soon", "Needs a review")
    items, pending = north.handover.my_end_of_shift()
    texts = [i.text for i in items]
    assert "DELTA, Handy (Delta/1): Book an interpreter" in texts
    assert "DELTA, Handy (Delta/1): Escalation to psychiatrist (requested)" in texts
    # the person and custody number, and the stage in words
    assert "DELTA, Handy (Delta/1): Case held by you: referred" in texts
    assert all(i.case_id == case for i in items)
    assert pending > 0
    south_items, _ = open_session(SOUTH).handover.my_end_of_shift()
    assert south_items == []                                      # not theirs, not their site
    start, end = _shift()
    with pytest.raises(PermissionDenied):                         # seniors hand over the shift
        north.handover.complete(start, end, {}, None, "reason")


def test_acknowledged_once_by_the_next_shift_at_the_handovers_sites_and_audited(  # type: ignore[no-untyped-def]
        open_session) -> None:
    north = open_session(NORTH)
    _case(north, NORTH_SITE, "Echo")
    senior = open_session(BOTH)
    start, end = _shift()
    record = senior.handover.complete(start, end, {"general": "Busy"}, None, "Not enrolled yet")
    with pytest.raises(ValueError, match="not its author"):
        senior.handover.acknowledge(record.id)
    north.handover.acknowledge(record.id)
    north.handover.acknowledge(record.id)                         # again: nothing more
    assert north.handover.previous()[0].acknowledged_by == ("north1",)
    south = open_session(SOUTH)
    south.handover.acknowledge(record.id)                         # the senior covers both
    assert senior.handover.previous()[0].acknowledged_by == ("north1", "south1")
    audit = [(e.user, e.action, e.entity_id)
             for e in open_session(ADMIN).maintenance.audit_trail()
             if e.action.startswith("handover-")]
    assert audit.count(("senior1", "handover-completed", record.id)) == 1
    assert audit.count(("north1", "handover-acknowledged", record.id)) == 1
    assert audit.count(("south1", "handover-acknowledged", record.id)) == 1


def test_a_handover_for_other_sites_is_neither_listed_nor_acknowledged(  # type: ignore[no-untyped-def]
        open_session) -> None:
    from ld_desktop.domain.roles import Role
    from ld_desktop.services.lookup_errors import RecordNotFound

    north_only = ("northsenior", "north senior passphrase")
    open_session(ADMIN).accounts.add_user(north_only[0], Role.SENIOR, north_only[1],
                                          site_ids=[site_id_for(NORTH_SITE)])
    start, end = _shift()
    record = open_session(north_only).handover.complete(start, end, {"general": "North"}, None,
                                                        "Not enrolled yet")
    assert record.site_names == (NORTH_SITE,)
    assert [r.id for r in open_session(NORTH).handover.previous()] == [record.id]
    south = open_session(SOUTH)
    assert south.handover.previous() == []
    with pytest.raises(RecordNotFound):
        south.handover.acknowledge(record.id)


def test_the_handover_lists_every_high_risk_the_caseload_counts(open_session) -> None:  # type: ignore[no-untyped-def]
    """The caseload said '56 high risk' where the handover listed 1: a case marked high risk
    without an assessment recorded on this workstation was left out of the handover."""
    north = open_session(NORTH)
    senior = open_session(BOTH)
    assessed = _case(north, NORTH_SITE, "Echo")
    north.risk.record(assessed, RiskDraft("high", "low", "low", "low", "high", "Said they would",
                                          date.today() + timedelta(days=1)))
    marked = _case(north, NORTH_SITE, "Foxtrot")
    north.cases.update(marked, {"risk_level": "high"})     # e.g. arrived so by sync
    caseload_high = sum(1 for r in senior.cases.caseload() if r.risk_level == "high")
    summary = senior.handover.summary(*_shift())
    assert caseload_high == 2
    assert len(summary.high_risks) == caseload_high
    assert "FOXTROT, Handy (Foxtrot/1): High risk: no assessment recorded here" in _texts(
        summary.high_risks)
