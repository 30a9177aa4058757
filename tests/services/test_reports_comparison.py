"""The dashboard counts a period and the one before it in one pass. Its comparison must be
exactly what counting the earlier period on its own gives, for every kind of period and
every filter; and on a random store every figure, and every data-quality finding (found in
one statement), must agree with the same counted record by record in Python
(tests/services/report_random_seed.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ld_desktop.domain.sites import site_id_for
from ld_desktop.services.reports import period as periods
from ld_desktop.services.reports.data_quality import data_quality
from ld_desktop.services.reports.figures import Dashboard
from ld_desktop.services.reports.service import ReportService

from .report_random_seed import expected, expected_quality, load, seed_random
from .report_seed import seed_october
from .support import BOTH, NORTH, NORTH_SITE, SOUTH_SITE

PERIODS = [
    periods.month(date(2026, 10, 1)), periods.month(date(2026, 11, 1)),
    periods.month(date(2026, 9, 1)), periods.quarter(date(2026, 11, 1)),
    periods.week(date(2026, 10, 5)), periods.week(date(2026, 10, 21)),
    periods.custom(date(2026, 10, 1), date(2026, 10, 15)),
    periods.shift(datetime(2026, 10, 3, 14, 0, tzinfo=UTC)),
    periods.shift(datetime(2026, 10, 10, 1, 30, tzinfo=UTC)),
]


def _bars(board: Dashboard, which: str) -> dict[str, dict[str, float]]:
    return {f.id: {b.key: getattr(b, which) for b in f.bars if getattr(b, which)}
            for f in board.figures}


@pytest.mark.parametrize(("who", "sites"), [(BOTH, None), (BOTH, [SOUTH_SITE]), (NORTH, None)],
                         ids=["senior", "senior-one-site", "practitioner"])
def test_the_comparison_is_the_earlier_period_counted_on_its_own(
        open_session, who, sites) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    seed_random(senior)
    reports = ReportService(open_session(who) if who != BOTH else senior)
    chosen = None if sites is None else [site_id_for(s) for s in sites]
    compared = 0
    for period in PERIODS:
        board = reports.dashboard(period, chosen)
        alone = reports.dashboard(period.previous(), chosen)
        assert board.previous_period == alone.period
        assert _bars(board, "previous") == _bars(alone, "value"), period.label
        compared += sum(len(v) for v in _bars(board, "previous").values())
    assert compared > 100          # the random store gives every figure something to compare


@pytest.mark.parametrize(("who", "sites"), [(BOTH, None), (BOTH, [NORTH_SITE]), (NORTH, None)],
                         ids=["senior", "senior-one-site", "practitioner"])
def test_every_figure_agrees_with_counting_record_by_record(
        open_session, who, sites) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_random(senior)
    rows = load(senior)
    session = open_session(who) if who != BOTH else senior
    reports = ReportService(session)
    chosen = None if sites is None else [site_id_for(s) for s in sites]
    site_ids = set(session.site_ids if chosen is None else chosen)
    holder = "north1" if who == NORTH else None
    for period in PERIODS[:4]:
        board = reports.dashboard(period, chosen)
        for side, shown in (("value", period), ("previous", period.previous())):
            want = expected(rows, shown, site_ids, holder)
            got = _bars(board, side)
            for figure in ("referrals-by-source", "referrals-by-contact", "pathway",
                           "needs-found", "repeat-attendance", "escalations",
                           "onward-referrals", "information-shared", "outcomes"):
                mapped = {("none" if k == "none" else k): v for k, v in want[figure].items()}
                assert got.get(figure, {}) == mapped, (period.label, side, figure)
        now = expected(rows, period, site_ids, holder)
        youth = {b.key: b.youth for b in board.figure("referrals-by-source").bars if b.youth}
        assert youth == now["youth:source"], period.label
        assert {b.key: b.youth for b in board.figure("pathway").bars if b.youth} == \
            now["youth:pathway"], period.label
        t = board.timeliness
        assert {k: v for k, v in {"referred": t.referred, "seen": t.seen,
                                  "screened": t.screened}.items() if v} == \
            now["timeliness:counts"]
        note = board.figure("information-shared").notes[0]
        decided = now["decisions"]
        assert f"{decided.get('refused', 0)} of {decided.get('all', 0)} decision" in note


@pytest.mark.parametrize(("who", "sites"), [(BOTH, None), (BOTH, [SOUTH_SITE]), (NORTH, None)],
                         ids=["senior", "senior-one-site", "practitioner"])
def test_every_data_quality_finding_agrees_with_checking_record_by_record(
        open_session, who, sites) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_random(senior)
    rows = load(senior)
    session = open_session(who) if who != BOTH else senior
    chosen = None if sites is None else [site_id_for(s) for s in sites]
    site_ids = set(session.site_ids if chosen is None else chosen)
    holder = "north1" if who == NORTH else None
    found = 0
    for period, days in ((PERIODS[0], 28), (PERIODS[1], 10), (PERIODS[3], 5)):
        now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        report = data_quality(session, period, chosen, open_days=days, now=now)
        moment = min(now, period.end)
        want = expected_quality(rows, period, site_ids, holder,
                                moment - timedelta(days=days), moment - timedelta(hours=2))
        assert {c.code: c.count for c in report.checks} == {
            code: len(v) for code, v in want.items()}, period.label
        got: dict[str, set[tuple[object, object]]] = {code: set() for code in want}
        for finding in report.findings:
            got[finding.check].add((finding.record_id, finding.subject_id))
        assert got == want, period.label
        found += report.problem_count
    assert found > 100
