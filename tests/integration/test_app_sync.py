"""The app's encrypted store syncing through the real server: exactly once, convergence,
site scoping, clashes kept, rebase of pending local edits."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import NotEnrolledHere, SyncService

if TYPE_CHECKING:
    from tests.integration.conftest import Clash


def _referral(session: UserSession, family: str, crn: str, site_index: int = 0) -> object:
    site = session.sites[site_index].id
    person = session.persons.register(PersonDraft("Syncy", family, date(1980, 5, 6)), site)
    return session.cases.new_referral(
        ReferralDraft(person.id, site, "custody-sergeant", "arrested", custody_record_number=crn)
    )


def _cases(session: UserSession) -> dict[str, tuple[str, str, str | None]]:
    rows = session.cases.page(CaseFilter(), 0, 1000)
    return {str(r.id): (r.person_name, r.stage, r.risk_level) for r in rows}


def test_two_workstations_share_a_site_and_converge(make_stations) -> None:  # type: ignore[no-untyped-def]
    a, b = make_stations("a", "b")
    _referral(a.senior, "Fromay", "A/1")
    _referral(b.senior, "Frombee", "B/1")
    first = a.sync()
    b.sync()
    a.sync()
    assert first.pushed > 0
    assert _cases(a.senior) == _cases(b.senior)
    assert len(_cases(a.senior)) == 2
    # pulled people are searchable on the other workstation
    assert [p.family_name for p in b.senior.persons.search("fromay")] == ["Fromay"]
    # nothing left to push; a repeated sync changes nothing
    assert a.sync_service().status().pending_ops == 0
    again = a.sync()
    assert (again.pushed, again.pulled) == (0, 0)


def test_a_workstation_never_receives_another_sites_records(make_station) -> None:  # type: ignore[no-untyped-def]
    court_only = make_station("court", sites=["Riverside Court"])
    both = make_station("both")
    _referral(both.senior, "Custodyonly", "C/1", site_index=0)   # Northgate Custody Suite
    _referral(both.senior, "Courtcase", "C/2", site_index=1)     # Riverside Court
    both.sync()
    court_only.sync()
    names = {name for name, _stage, _risk in _cases(court_only.senior).values()}
    assert names == {"COURTCASE, Syncy"}
    assert court_only.senior.persons.search("custodyonly") == []


def test_offline_clash_is_kept_as_a_conflict_not_lost(make_stations) -> None:  # type: ignore[no-untyped-def]
    a, b = make_stations("a", "b")
    case = _referral(a.senior, "Clashworth", "X/1")
    a.sync()
    b.sync()
    a.senior.cases.update(case.id, {"urgency": "urgent"})   # both offline, same field
    b.senior.cases.update(case.id, {"urgency": "soon"})
    a.sync()
    report = b.sync()
    assert report.conflicts == 1
    a.sync()
    status_a, status_b = a.sync_service().status(), b.sync_service().status()
    assert status_a.open_conflicts == status_b.open_conflicts == 1
    # both workstations hold the same deterministic current value
    assert a.senior.cases.open(case.id).urgency == b.senior.cases.open(case.id).urgency


def test_pending_local_edit_is_rebased_not_overwritten(make_stations) -> None:  # type: ignore[no-untyped-def]
    a, b = make_stations("a", "b")
    case = _referral(a.senior, "Rebase", "R/1")
    a.sync()
    b.sync()
    a.senior.cases.update(case.id, {"urgency": "urgent"})
    a.sync()
    b.senior.cases.update(case.id, {"holder": "senior1-b"})  # a different field, unsynced
    b_sync = b.sync_service()
    # pull only: the local change to another field must survive untouched
    from ld_desktop.store.replica import StoreReplica  # test helper access to the replica

    replica = StoreReplica(b.senior.store, "unused", "test")
    before = replica.pending_count()
    b_sync.sync()
    view = b.senior.cases.open(case.id)
    assert (view.urgency, view.holder) == ("urgent", "senior1-b")
    assert before == 1
    assert replica.pending_count() == 0


def test_unenrolled_workstation_says_so(make_stations) -> None:  # type: ignore[no-untyped-def]
    [lone] = make_stations("a", enrol=False)
    with pytest.raises(NotEnrolledHere):
        SyncService(lone.senior).sync()


def test_senior_decides_a_clash_and_it_closes_on_both_workstations(
        urgency_clash: Clash) -> None:
    a, b = urgency_clash.a, urgency_clash.b
    [clash] = a.senior.conflicts.open()
    assert clash.field == "urgency"
    assert clash.case_id == urgency_clash.case_id
    assert {v.value for v in clash.values} == {"urgent", "soon"}
    with pytest.raises(ValueError, match="reason"):
        a.senior.conflicts.decide(clash.id, "urgent", "  ")
    a.senior.conflicts.decide(clash.id, "urgent", "Spoke to both practitioners")
    assert a.senior.conflicts.open() == []            # decided here, waiting to sync
    decided = a.sync_service().status()
    assert decided.open_conflicts == 0                # no longer waiting for a decision
    assert decided.pending_ops == 1                   # the decision itself, still to sync
    a.sync()
    b.sync()
    assert b.senior.conflicts.open() == []
    case_id = urgency_clash.case_id
    assert a.senior.cases.open(case_id).urgency == b.senior.cases.open(case_id).urgency == "urgent"
    assert a.sync_service().status().open_conflicts == 0
    assert b.sync_service().status().open_conflicts == 0


def test_practitioners_cannot_decide_conflicts(make_stations) -> None:  # type: ignore[no-untyped-def]
    from ld_desktop.services.errors import PermissionDenied

    [a] = make_stations("a")
    with pytest.raises(PermissionDenied):
        a.admin.conflicts.open()


def test_end_of_shift_handover_refuses_unsynced_then_completes(make_stations) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from ld_desktop.domain.roles import Role
    from ld_desktop.services.handover import HandoverNotSafe

    [a] = make_stations("a")
    _referral(a.senior, "Handoverly", "H/1")
    now = a.senior.now()
    start, end = now - timedelta(hours=8), now
    summary = a.senior.handover.summary(start, end)
    assert summary.pending_ops > 0
    assert any(r.person_name.startswith("HANDOVERLY") for r in summary.in_custody)
    with pytest.raises(HandoverNotSafe, match="not yet on the server"):
        a.senior.handover.complete(start, end, {"general": "Quiet shift"}, None)
    report = a.sync()
    receipt = {"server_seq": report.server_seq, "pushed": report.pushed,
               "pulled": report.pulled}
    done = a.senior.handover.complete(start, end, {"general": "Quiet shift"}, receipt)
    assert done.complete
    assert done.sync_receipt["ops_still_local_at_handover"] == 0
    # the override: network down, the handover says so plainly
    _referral(a.senior, "Lateone", "H/2")
    forced = a.senior.handover.complete(start, end, {}, None, "Network down in custody")
    assert forced.incomplete_reason == "Network down in custody"
    # acknowledged by the next shift, not by the author
    with pytest.raises(ValueError, match="next shift"):
        a.senior.handover.acknowledge(done.id)
    a.admin.accounts.add_user("senior2", Role.SENIOR, "second senior passphrase")
    next_senior = a.workstation.unlock("senior2", "second senior passphrase")
    next_senior.handover.acknowledge(done.id)
    history = next_senior.handover.previous()
    assert [h.id for h in history][:2] == [forced.id, done.id]
    assert history[1].acknowledged_by == ("senior2",)
    next_senior.lock()


def test_refused_ops_stay_queued_and_do_not_block_newer_work(  # type: ignore[no-untyped-def]
        make_station, make_stations) -> None:
    from ld_desktop.store.replica import StoreReplica
    from sync.client import DeviceCredentials, SyncClient

    [station] = make_stations("half", sites=["Northgate Custody Suite", "Riverside Court"],
                              enrol=False)
    # enrolled for the custody suite only: the court's records are refused by the server
    SyncService(station.admin, transport=station.server.transport).enrol(
        "http://127.0.0.1:8765", station.server.code(["Northgate Custody Suite"]), "half")
    station.server.register_first_admin(station)
    for n in range(3):
        _referral(station.senior, f"Courtonly{n}", f"Q/{n}", site_index=1)
    _referral(station.senior, "Custodyok", "K/1", site_index=0)
    status = SyncService(station.senior).status()
    credentials: DeviceCredentials = SyncService(station.senior)._credentials()
    replica = StoreReplica(station.senior.store, credentials.device_id, "senior1")
    with SyncClient(credentials.server_url, replica, credentials,
                    transport=station.server.transport, push_batch=2) as client:
        first = client.sync()
        second = client.sync()
    assert first.rejected == 7   # the court site, and three people and cases there
    assert second.rejected > 0                   # refused ops are kept and retried
    assert second.pushed == 0
    assert status.pending_ops > replica.pending_count() > 0
    names = {r.person_name for r in station.senior.cases.page(CaseFilter(), 0, 50)}
    assert "CUSTODYOK, Syncy" in names
    # the custody case reached the server: a second workstation for that site receives it
    other = make_station("other", sites=["Northgate Custody Suite"])
    other.sync()
    assert [p.family_name for p in other.senior.persons.search("custodyok")] == ["Custodyok"]


def test_an_intake_with_an_estimated_age_syncs_through_the_published_schema(  # type: ignore[no-untyped-def]
        make_stations) -> None:
    """The new person field (estimated_birth_year) is in the sync schema the server checks
    every op against, so the person and their referral reach the other workstation."""
    from ld_desktop.services.intake import Intake

    a, b = make_stations("a", "b")
    year = a.senior.now().year - 30
    a.senior.intake.refer(Intake(
        PersonDraft("Sam", "Nodobsync", estimated_birth_year=year), a.senior.sites[0].id,
        "custody-sergeant", "arrested", custody_record_number="EST/1"))
    report = a.sync()
    assert report.rejected == 0
    b.sync()
    [found] = b.senior.persons.search("nodobsync")
    person = b.senior.persons.open(found.id)
    assert (person.date_of_birth, person.estimated_birth_year) == (None, year)


def test_the_conflicts_page_names_the_other_workstation_by_its_enrolled_name(
        urgency_clash: Clash) -> None:
    """Issue 14: the clash named devices by UUID. After a sync each workstation knows the
    names of the workstations at its sites, and a clash says which one entered each value."""
    a = urgency_clash.a
    [clash] = a.senior.conflicts.open()
    labels = {value.value: value.device_label for value in clash.values}
    assert labels == {"urgent": "this workstation", "soon": "station b"}
