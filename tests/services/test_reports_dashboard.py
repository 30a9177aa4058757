"""Every dashboard figure against a store whose right answers are known by construction
(tests/services/report_seed.py), for a senior across sites, a senior filtered to one site and
a practitioner's own work; the comparison period; the audited drill-down."""

from __future__ import annotations

from datetime import date

import pytest

from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.reports import period as periods
from ld_desktop.services.reports.figures import Dashboard
from ld_desktop.services.reports.service import ReportService
from ld_desktop.store.models import AuditEvent

from .report_seed import seed_october
from .support import BOTH, NORTH, SOUTH_SITE

OCTOBER = periods.month(date(2026, 10, 1))


def _values(board: Dashboard, figure: str) -> dict[str, float]:
    return {b.key: b.value for b in board.figure(figure).bars if b.value or b.previous}


def _previous(board: Dashboard, figure: str) -> dict[str, float]:
    return {b.key: b.previous for b in board.figure(figure).bars if b.previous}


def test_senior_sees_every_figure_across_their_sites(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    board = ReportService(senior).dashboard(OCTOBER)
    assert board.period.label == "October 2026"
    assert board.previous_period.label == "September 2026"
    assert _values(board, "referrals-by-source") == {
        "custody-sergeant": 2, "solicitor": 1, "court": 1}
    assert _previous(board, "referrals-by-source") == {"custody-sergeant": 1}
    youth = {b.key: b.youth for b in board.figure("referrals-by-contact").bars if b.value}
    assert youth == {"arrested": 0, "voluntary-attendance": 1, "court": 0}
    assert _values(board, "referrals-by-contact") == {
        "arrested": 2, "voluntary-attendance": 1, "court": 1}
    pathway = {b.key: (b.value, b.youth) for b in board.figure("pathway").bars}
    assert pathway == {"referred": (3, 1), "seen": (2, 1), "screened": (2, 1),
                       "assessed": (1, 0)}
    t = board.timeliness
    assert (t.referred, t.seen, t.seen_within_target, t.screened,
            t.screened_within_target) == (4, 3, 2, 2, 1)
    assert t.mean_minutes_to_seen == pytest.approx(80, abs=0.01)
    assert t.mean_minutes_seen_to_screened == pytest.approx(195, abs=0.01)
    assert _values(board, "timeliness") == {"seen-within": 50.0, "screened-within": 25.0}
    assert _previous(board, "timeliness") == {"seen-within": 100.0}
    assert _values(board, "needs-found") == {"mental-health": 2, "alcohol": 1}
    assert _values(board, "escalations") == {"completed": 1}
    assert _values(board, "onward-referrals") == {
        "cmht|made": 2, "cmht|accepted": 1, "cmht|declined": 1, "cmht|engaged": 1}
    assert _values(board, "information-shared") == {"police": 1}
    assert "1 of 2 decision(s) about sharing (50.0%)" in board.figure(
        "information-shared").notes[0]
    assert _values(board, "outcomes") == {"caution": 1, "none": 1}
    # October's people seen: P1 (C1, then C3: seen before) and P2; P4 was September's
    assert _values(board, "repeat-attendance") == {"once": 1, "repeat": 1}
    assert _previous(board, "repeat-attendance") == {"once": 1}
    coverage = _values(board, "coverage")
    assert coverage[f"{'Northgate Custody Suite'}|core"] == 15 * 31
    assert coverage["Northgate Custody Suite|uncovered"] == 15 * 31 - 8
    assert coverage[f"{SOUTH_SITE}|core"] == 8 * 22          # court: weekdays 09-17
    assert "Northgate Custody Suite: gaps in cover: 31" in board.figure("coverage").notes


def test_site_filter_and_practitioner_see_only_their_part(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    south_only = ReportService(senior).dashboard(OCTOBER, [site_id_for(SOUTH_SITE)])
    assert _values(south_only, "referrals-by-source") == {"court": 1}
    assert _values(south_only, "outcomes") == {"none": 1}
    assert south_only.site_names == (SOUTH_SITE,)

    north = open_session(NORTH)          # holds C1 and C2 (and C6, C7 outside October)
    own = ReportService(north).dashboard(OCTOBER)
    assert own.own_work_of == "north1"
    assert _values(own, "referrals-by-source") == {"custody-sergeant": 1, "solicitor": 1}
    assert _values(own, "outcomes") == {"caution": 1}
    with pytest.raises(RecordNotFound):   # a site that is not theirs
        ReportService(north).dashboard(OCTOBER, [site_id_for(SOUTH_SITE)])


def test_drill_down_lists_the_bars_cases_and_is_audited(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seeded = seed_october(senior)
    reports = ReportService(senior)
    rows = reports.drill_down("referrals-by-source", "custody-sergeant", OCTOBER)
    assert {r.case_id for r in rows} == {seeded.cases["C1"], seeded.cases["C4"]}
    assert {r.case_id for r in reports.drill_down("needs-found", "alcohol", OCTOBER)} == {
        seeded.cases["C1"]}
    assert {r.case_id for r in reports.drill_down("outcomes", "none", OCTOBER)} == {
        seeded.cases["C3"]}
    assert {r.case_id for r in reports.drill_down("onward-referrals", "cmht|declined",
                                                  OCTOBER)} == {seeded.cases["C2"]}
    assert {r.case_id for r in reports.drill_down("pathway", "assessed", OCTOBER)} == {
        seeded.cases["C1"]}
    assert reports.drill_down("no-such-figure", "x", OCTOBER) == []
    with senior.store.reading() as db:
        events = [e for e in db.query(AuditEvent).filter(AuditEvent.action == "list-viewed")]
    assert len(events) == 6
    assert events[0].detail["figure"] == "referrals-by-source"
    assert events[0].detail["count"] == 2
    assert "Fictional" not in str(events[0].detail)      # no names in the audit


def test_periods_and_their_previous() -> None:
    q4 = periods.quarter(date(2026, 11, 15))
    assert q4.label == "Q4 2026 (Oct-Dec)"
    assert q4.previous().label == "Q3 2026 (Jul-Sep)"
    assert periods.month(date(2026, 1, 9)).previous().label == "December 2025"
    week = periods.week(date(2026, 10, 7))
    assert week.start.date() == date(2026, 10, 5)
    assert week.previous().start.date() == date(2026, 9, 28)
    assert periods.parse_month("2026-10") == OCTOBER
    for bad in ("2026-13", "Oct 2026", "2026-1"):
        with pytest.raises(ValueError, match="write it like 2026-10"):
            periods.parse_month(bad)
    with pytest.raises(ValueError, match="ends before it starts"):
        periods.custom(date(2026, 10, 2), date(2026, 10, 1))
