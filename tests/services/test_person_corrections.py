"""Correcting people and cases: field-level synced changes with the old value kept, NHS
number re-checked, only what was changed written; merging, undoing a merge, moving a case."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ld_desktop.domain.nhs_number import InvalidNhsNumber
from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.case_edits import CaseDetailsDraft, CaseEditService
from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.clinical.notes import NoteService
from ld_desktop.services.person_edits import NothingChanged, PersonEditService
from ld_desktop.services.person_merge import MergeRefused, PersonMergeService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.views import PersonView
from ld_desktop.store.models import AuditEvent, OutboxOp, Person, RecordChange

from .support import BOTH, NORTH, NORTH_SITE

VALID_NHS = "9434765919"      # passes Modulus 11 (a test number)
OTHER_NHS = "9434765870"


def _draft(view: PersonView, **changes: object) -> PersonDraft:
    base = PersonDraft(view.given_name, view.family_name, view.date_of_birth, view.gender,
                       view.nhs_number, view.ethnic_category, view.aliases, view.address,
                       view.no_fixed_abode, view.communication_needs, view.interpreter_language,
                       view.parent_carer, view.gp_practice, view.sex)
    return replace(base, **changes)  # type: ignore[arg-type]


def _ops(session, entity: str) -> list[OutboxOp]:  # type: ignore[no-untyped-def]
    with session.store.reading() as db:
        return [o for o in db.query(OutboxOp).order_by(OutboxOp.device_seq) if o.entity == entity]


def _person(session, given="Editty", family="Testperson", **kw):  # type: ignore[no-untyped-def]
    return session.persons.register(PersonDraft(given, family, date(1988, 8, 8), **kw),
                                    site_id_for(NORTH_SITE))


def _case(session, person_id, crn):  # type: ignore[no-untyped-def]
    return session.cases.new_referral(ReferralDraft(
        person_id, site_id_for(NORTH_SITE), "custody-sergeant", "arrested",
        custody_record_number=crn))


def test_person_edit_writes_only_changed_fields_keeps_old_values_and_rechecks_nhs(
        open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    shown = _person(north, nhs_number=VALID_NHS)
    with north.store.unit_of_work("test") as uow:      # as if traced
        uow.session.get(Person, shown.id).nhs_number_status = "verified"
    shown = north.persons.open(shown.id)
    edits = PersonEditService(north)
    with pytest.raises(InvalidNhsNumber):
        edits.edit(shown, _draft(shown, nhs_number="9434765918"))   # bad check digit
    with pytest.raises(ValueError, match="ethnic category"):
        edits.edit(shown, _draft(shown, ethnic_category="Q"))
    with pytest.raises(NothingChanged):
        edits.edit(shown, _draft(shown))
    before = len(_ops(north, "person"))
    view = edits.edit(shown, _draft(shown, family_name="Testpersonne", ethnic_category="H",
                                    sex="2", aliases=("Eddie T",), gp_practice="Fictional GP",
                                    nhs_number=OTHER_NHS, address="1 Fake Street"),
                      reason="Spelling from custody record")
    assert view.nhs_number == OTHER_NHS
    assert view.nhs_number_status == "unverified"
    op = _ops(north, "person")[before]
    assert set(op.fields) == {"family_name", "ethnic_category", "sex", "aliases",
                              "gp_practice", "nhs_number", "nhs_number_status", "address"}
    assert set(op.base_versions) == set(op.fields)           # field-level, with versions
    history = edits.history(shown.id)
    assert len(history) == 1
    assert history[0].reason == "Spelling from custody record"
    assert "Family name: Testperson → Testpersonne" in history[0].lines
    assert "Ethnic category: Not stated → Asian or Asian British - Indian" in history[0].lines
    assert len(_ops(north, "record_change")) == 1             # the history syncs too
    # the dialog showed an old copy: only what was changed in it is written
    edits.edit(shown, _draft(shown, given_name="Edwina"))
    after = north.persons.open(shown.id)
    assert (after.given_name, after.family_name, after.address) == (
        "Edwina", "Testpersonne", "1 Fake Street")


def test_case_edit_is_synced_audited_and_shows_the_old_value_in_the_timeline(
        open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    case = _case(north, _person(north).id, "N/1")
    edits = CaseEditService(north)
    with pytest.raises(ValueError, match="custody record number"):
        edits.edit_details(case, CaseDetailsDraft("routine", "  "))
    with pytest.raises(ValueError, match="no active member of staff"):
        edits.edit_details(case, CaseDetailsDraft("routine", "N/1", holder="nobody"))
    changed = edits.edit_details(case, CaseDetailsDraft("urgent", "N/1A", ("Theft",),
                                                        "senior1"), reason="typo")
    assert changed == ["custody_record_number", "holder", "offences", "urgency"]
    reopened = north.cases.open(case.id)
    assert (reopened.urgency, reopened.custody_record_number, reopened.holder) == (
        "urgent", "N/1A", "senior1")
    lines = [e.summary for e in reopened.timeline if e.kind == "correction"]
    assert len(lines) == 1
    assert "Urgency: Routine → Urgent" in lines[0]
    assert "Custody number: N/1 → N/1A" in lines[0]
    assert [r.person_name for r in north.cases.page(CaseFilter(text="N/1A"), 0, 5)]  # re-indexed


def test_merge_moves_cases_and_notes_leaves_a_redirect_and_can_be_undone(
        open_session) -> None:  # type: ignore[no-untyped-def]
    north, senior = open_session(NORTH), open_session(BOTH)
    keep = _person(north, "Quinn", "Testperson")
    dupe = _person(north, "Quin", "Testperson", nhs_number=VALID_NHS)
    keep_case = _case(north, keep.id, "Q/1")
    dupe_case = _case(north, dupe.id, "Q/2")
    NoteService(north).add(dupe_case.id, "Seen in cell 3 (fictional)")
    merges = PersonMergeService(senior)
    with pytest.raises(PermissionError):
        PersonMergeService(north).merge(keep.id, dupe.id, "duplicate")   # seniors only
    with pytest.raises(ValueError, match="reason"):
        merges.merge(keep.id, dupe.id, "  ")
    preview = merges.preview(keep.id, dupe.id)
    assert preview.cases_to_move == 1
    assert "Given name: Quinn / Quin" in preview.differences
    survivor = merges.merge(keep.id, dupe.id, "Same person: custody photo")
    assert survivor.nhs_number == VALID_NHS
    assert survivor.nhs_number_status == "unverified"
    assert "Quin Testperson" in survivor.aliases
    moved = senior.cases.open(dupe_case.id)
    assert moved.person.id == keep.id
    assert any("Seen in cell 3" in e.summary for e in moved.timeline)   # the note moved along
    # the old id opens the survivor; the redirect is no longer listed or found
    assert senior.persons.open(dupe.id).id == keep.id
    assert [p.id for p in senior.persons.search("Testperson")] == [keep.id]
    assert {r.id for r in senior.cases.page(CaseFilter(person_id=keep.id), 0, 9)} == {
        keep_case.id, dupe_case.id}
    with pytest.raises(MergeRefused, match="already been merged"):
        merges.merge(keep.id, dupe.id, "again")
    # undo
    merges.undo_merge(dupe.id, "Different people after all")
    assert senior.cases.open(dupe_case.id).person.id == dupe.id
    restored = senior.persons.open(keep.id)
    assert restored.nhs_number is None
    assert "Quin Testperson" not in restored.aliases
    assert senior.persons.open(dupe.id).id == dupe.id
    kinds = [e.kind for e in PersonEditService(senior).history(keep.id)]
    assert kinds == ["merge", "undo-merge"]
    with senior.store.reading() as db:
        audit = [e.action for e in db.query(AuditEvent)]
    assert "merge" in audit
    assert "undo-merge" in audit


def test_two_nhs_numbers_refuse_a_merge(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    a = _person(senior, "Ann", "Testperson", nhs_number=VALID_NHS)
    b = _person(senior, "Ann", "Testperson", nhs_number=OTHER_NHS)
    with pytest.raises(MergeRefused, match="different NHS numbers"):
        PersonMergeService(senior).merge(a.id, b.id, "duplicate")


def test_move_case_to_another_person_with_a_reason(open_session) -> None:  # type: ignore[no-untyped-def]
    north = open_session(NORTH)
    wrong, right = _person(north, "Wrong", "Testperson"), _person(north, "Right", "Testperson")
    case = _case(north, wrong.id, "M/1")
    moves = PersonMergeService(north)
    with pytest.raises(ValueError, match="reason"):
        moves.move_case(case.id, right.id, "")
    with pytest.raises(ValueError, match="already filed"):
        moves.move_case(case.id, wrong.id, "no-op")
    moves.move_case(case.id, right.id, "Filed under the wrong Testperson at intake")
    view = north.cases.open(case.id)
    assert view.person.id == right.id
    moved = [e.summary for e in view.timeline if e.kind == "correction"]
    assert moved == ["Case moved: Person: TESTPERSON, Wrong → TESTPERSON, Right (reason: "
                     "Filed under the wrong Testperson at intake)"]
    with north.store.reading() as db:
        rows = [r for r in db.query(RecordChange) if r.kind == "move"]
    assert rows[0].changes["person_id"] == {"old": str(wrong.id), "new": str(right.id)}
    assert [r.custody_record_number for r in north.cases.page(
        CaseFilter(text="Right"), 0, 5)] == ["M/1"]      # search follows the move


def test_a_referral_against_a_merged_away_record_is_filed_under_the_survivor(
        open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    keep, dupe = _person(senior, "Kay", "Testperson"), _person(senior, "Kaye", "Testperson")
    PersonMergeService(senior).merge(keep.id, dupe.id, "duplicate")
    case = _case(senior, dupe.id, "R/1")             # the intake list still showed the dupe
    assert case.person.id == keep.id


def test_undo_of_a_merge_whose_survivor_was_merged_on_is_refused_not_half_done(
        open_session) -> None:  # type: ignore[no-untyped-def]
    """A into B, then B into C: A's case now sits with C. Undoing A's merge used to report
    success while A's case stayed filed under C (and C kept A's name): a different person's
    case under the wrong record. It must refuse until B's merge is undone; then both undos
    put everything back."""
    senior = open_session(BOTH)
    a, b, c = (_person(senior, given=g) for g in ("Aye", "Bee", "Cee"))
    _case(senior, a.id, "A/1")
    merges = PersonMergeService(senior)
    merges.merge(b.id, a.id, "duplicate (fictional)")
    merges.merge(c.id, b.id, "duplicate (fictional)")
    with pytest.raises(MergeRefused, match="undo that merge first"):
        merges.undo_merge(a.id, "not the same person (fictional)")
    merges.undo_merge(b.id, "not the same person (fictional)")
    merges.undo_merge(a.id, "not the same person (fictional)")
    whose = {r.custody_record_number: r.person_id for r in senior.cases.page(CaseFilter(), 0, 9)}
    assert whose == {"A/1": a.id}
    assert "Aye Testperson" not in senior.persons.open(c.id).aliases
    assert [p.given_name for p in senior.persons.search("Aye")] == ["Aye"]


def test_undo_by_a_one_site_senior_returns_the_cases_at_every_site(
        open_session) -> None:  # type: ignore[no-untyped-def]
    """The merge moved the duplicate's cases at both sites. A senior at one site undoing it
    must put back the other site's case too: left under the survivor, it stays filed under
    a person the undo has just said is someone else."""
    from ld_desktop.domain.roles import Role

    from .support import ADMIN, SOUTH_SITE

    north_senior = ("northsenior1", "north senior passphrase here")
    open_session(ADMIN).accounts.add_user(*north_senior[:1], Role.SENIOR, north_senior[1],
                                          site_ids=[site_id_for(NORTH_SITE)])
    senior = open_session(BOTH)
    keep, dupe = _person(senior, given="Keepa"), _person(senior, given="Dupa")
    _case(senior, dupe.id, "N/D")
    senior.cases.new_referral(ReferralDraft(
        dupe.id, site_id_for(SOUTH_SITE), "custody-sergeant", "arrested",
        custody_record_number="S/D"))
    PersonMergeService(senior).merge(keep.id, dupe.id, "duplicate (fictional)")

    PersonMergeService(open_session(north_senior)).undo_merge(
        dupe.id, "Two different people (fictional)")
    whose = {r.custody_record_number: r.person_id for r in senior.cases.page(CaseFilter(), 0, 9)}
    assert whose == {"N/D": dupe.id, "S/D": dupe.id}


def test_an_edit_begun_before_a_merge_does_not_overwrite_the_survivor_unseen(
        open_session) -> None:  # type: ignore[no-untyped-def]
    """The edit dialog showed the duplicate; meanwhile it was merged into the survivor. The
    save used to follow the redirect and write the duplicate's edited field over the
    survivor's different value, which nobody had seen (the same edit arriving by sync is
    kept as a conflict). It must refuse and say why; a field the survivor holds as shown
    still goes through."""
    senior = open_session(BOTH)
    keep = _person(senior, given="Quinn", gp_practice="Keep Surgery (fictional)")
    dupe = _person(senior, given="Quin", gp_practice="Old Surgery (fictional)")
    stale = senior.persons.open(dupe.id)
    PersonMergeService(senior).merge(keep.id, dupe.id, "duplicate (fictional)")
    with pytest.raises(ValueError, match="merged into"):
        PersonEditService(senior).edit(stale, _draft(stale, gp_practice="New Surgery (fictional)"))
    assert senior.persons.open(keep.id).gp_practice == "Keep Surgery (fictional)"
    # the survivor's family name is the one the dialog showed: that correction applies
    done = PersonEditService(senior).edit(stale, _draft(stale, family_name="Testpersen"))
    assert (done.id, done.family_name) == (keep.id, "Testpersen")
