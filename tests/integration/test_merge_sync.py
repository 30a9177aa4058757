"""Merging across workstations through the real sync server: the redirect syncs, a
workstation that still refers to the merged-away record follows it, concurrent edits on both
sides are all kept (clashes as conflicts), and an undone merge syncs back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from ld_desktop.services.case_edits import CaseDetailsDraft, CaseEditService
from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.clinical.notes import NoteService
from ld_desktop.services.conflicts import ConflictService
from ld_desktop.services.person_edits import PersonEditService
from ld_desktop.services.person_merge import PersonMergeService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import PersonView
from sync.server.app import create_app
from sync.server.settings import ServerSettings
from tests.integration.conftest import SyncServer

if TYPE_CHECKING:
    from tests.integration.conftest import Station

PG_URL = os.environ.get("LD_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sync_server(request: pytest.FixtureRequest, tmp_path: Path,
                asgi_bridge_class: type) -> Iterator[SyncServer]:
    """The integration server on SQLite, and on PostgreSQL when LD_TEST_POSTGRES_URL is set
    (a throwaway database)."""
    if request.param == "sqlite":
        settings = ServerSettings.for_data_dir(tmp_path / "server")
        admin = None
    else:
        if not PG_URL:
            pytest.skip("LD_TEST_POSTGRES_URL is not set")
        name = f"ld_merge_test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        settings = ServerSettings(database_url=url)
    app = create_app(settings)
    bridge = asgi_bridge_class(app)
    yield SyncServer(settings, bridge)
    bridge.shutdown()
    app.state.sync.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _draft(view: PersonView, **changes: object) -> PersonDraft:
    base = PersonDraft(view.given_name, view.family_name, view.date_of_birth, view.gender,
                       view.nhs_number, view.ethnic_category, view.aliases, view.address,
                       view.no_fixed_abode, view.communication_needs, view.interpreter_language,
                       view.parent_carer, view.gp_practice, view.sex)
    return replace(base, **changes)  # type: ignore[arg-type]


def _refer(session: UserSession, person_id, crn: str):  # type: ignore[no-untyped-def]
    return session.cases.new_referral(ReferralDraft(
        person_id, session.sites[0].id, "custody-sergeant", "arrested",
        custody_record_number=crn))


def _whose(session: UserSession) -> dict[str, object]:
    return {r.custody_record_number: r.person_id for r in session.cases.page(CaseFilter(), 0, 99)}


def test_concurrent_edits_across_a_merge_are_all_kept(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    b: Station = make_station("b")
    site = a.senior.sites[0].id
    keep = a.senior.persons.register(PersonDraft("Quinn", "Testperson", date(1990, 2, 2)), site)
    dupe = a.senior.persons.register(PersonDraft("Quin", "Testperson", date(1990, 2, 2)), site)
    dupe_case = _refer(a.senior, dupe.id, "D/1")
    a.sync()
    b.sync()
    stale = b.senior.persons.open(dupe.id)        # B still knows the duplicate as itself

    # both offline: A merges; B works on the duplicate it still sees
    PersonMergeService(a.senior).merge(keep.id, dupe.id, "Same person (fictional)")
    PersonEditService(b.senior).edit(stale, _draft(stale, family_name="Testpersonn",
                                                   gp_practice="Fictional Surgery"))
    NoteService(b.senior).add(dupe_case.id, "Note written on B before it heard of the merge")
    CaseEditService(b.senior).edit_details(b.senior.cases.open(dupe_case.id),
                                           CaseDetailsDraft("urgent", "D/1"))
    _refer(b.senior, dupe.id, "D/2")              # a new case filed against the old record

    for station in (a, b, a, b, a):
        station.sync()

    for s in (a.senior, b.senior):
        assert _whose(s) == {"D/1": keep.id, "D/2": keep.id}      # both cases followed
        assert s.persons.open(dupe.id).id == keep.id              # the old id lands on keep
        survivor = s.persons.open(keep.id)
        assert survivor.gp_practice == "Fictional Surgery"        # filled: nothing to clash
        case = s.cases.open(dupe_case.id)
        assert case.urgency == "urgent"
        assert any("before it heard of the merge" in e.summary for e in case.timeline)
        clashes = [c for c in ConflictService(s).open()
                   if c.entity_id == keep.id and c.field == "family_name"]
        assert len(clashes) == 1                                  # surfaced, not lost
        assert {v.value for v in clashes[0].values} == {"Testperson", "Testpersonn"}
    assert a.sync_service().status().pending_ops == 0
    assert b.sync_service().status().pending_ops == 0


def test_an_undone_merge_syncs_back(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    b: Station = make_station("b")
    site = a.senior.sites[0].id
    keep = a.senior.persons.register(PersonDraft("Ro", "Testperson", date(1970, 7, 7)), site)
    dupe = a.senior.persons.register(PersonDraft("Roe", "Testperson", date(1970, 7, 7)), site)
    _refer(a.senior, dupe.id, "U/1")
    PersonMergeService(a.senior).merge(keep.id, dupe.id, "duplicate (fictional)")
    a.sync()
    b.sync()
    assert _whose(b.senior) == {"U/1": keep.id}
    assert [p.id for p in b.senior.persons.search("Testperson")] == [keep.id]
    PersonMergeService(b.senior).undo_merge(dupe.id, "Twins, not one person")
    b.sync()
    a.sync()
    for s in (a.senior, b.senior):
        assert _whose(s) == {"U/1": dupe.id}
        assert s.persons.open(dupe.id).id == dupe.id
        assert "Roe Testperson" not in s.persons.open(keep.id).aliases
        assert {p.id for p in s.persons.search("Testperson")} == {keep.id, dupe.id}


def test_merging_each_way_on_two_workstations_loses_neither_person(make_station) -> None:  # type: ignore[no-untyped-def]
    """A merges two into one while B merges one into two: after sync each is a redirect to
    the other, a cycle no record survives. Both must still be listed and found (a senior
    undoes one merge), not vanish from every list and search."""
    a: Station = make_station("a")
    b: Station = make_station("b")
    site = a.senior.sites[0].id
    one = a.senior.persons.register(PersonDraft("Cy", "Testcycle", date(1980, 3, 3)), site)
    two = a.senior.persons.register(PersonDraft("Cye", "Testcycle", date(1980, 3, 3)), site)
    _refer(a.senior, one.id, "C/1")
    _refer(a.senior, two.id, "C/2")
    a.sync()
    b.sync()
    PersonMergeService(a.senior).merge(one.id, two.id, "duplicate (fictional)")
    PersonMergeService(b.senior).merge(two.id, one.id, "duplicate (fictional)")
    for station in (a, b, a, b):
        station.sync()
    for s in (a.senior, b.senior):
        assert {p.id for p in s.persons.search("Testcycle")} == {one.id, two.id}
        assert {p.id for p in s.persons.page(0, 50)} >= {one.id, two.id}
        assert s.persons.count() == len(s.persons.page(0, 50))
    PersonMergeService(a.senior).undo_merge(one.id, "Merged both ways (fictional)")
    a.sync()
    b.sync()
    for s in (a.senior, b.senior):
        assert [p.id for p in s.persons.search("Testcycle")] == [one.id]   # two -> one stands
        assert s.persons.open(two.id).id == one.id
