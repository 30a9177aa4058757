"""Every data-quality finding against the seeded store (tests/services/report_seed.py):
counts, the record each line opens, the age limit, and a practitioner's own part."""

from __future__ import annotations

from datetime import date

import pytest

from ld_desktop.services.reports import period as periods
from ld_desktop.services.reports.service import ReportService

from .report_seed import seed_october
from .support import BOTH, NORTH

OCTOBER = periods.month(date(2026, 10, 1))


def test_each_check_finds_exactly_the_records_built_to_fail_it(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    s = seed_october(senior)
    report = ReportService(senior).data_quality(OCTOBER)
    counts = {c.code: c.count for c in report.checks}
    assert counts == {
        "nhs-number-missing": 1, "nhs-number-unverified": 1, "ethnicity-missing": 1,
        "sex-missing": 1, "gp-missing": 1, "referral-without-contact": 1,
        "screening-not-signed-off": 1, "case-open-too-long": 1,
        "outcome-missing-at-closure": 1}
    assert not report.is_clean
    opens = {(f.check, f.record_kind, f.record_id, f.subject_id) for f in report.findings}
    p3, p2 = s.people["P3"], s.people["P2"]
    assert opens == {
        ("nhs-number-missing", "person", p3, p3), ("nhs-number-unverified", "person", p2, p2),
        ("ethnicity-missing", "person", p3, p3), ("sex-missing", "person", p3, p3),
        ("gp-missing", "person", p3, p3),
        ("referral-without-contact", "case", s.cases["C4"], s.cases["C4"]),
        ("screening-not-signed-off", "case", s.cases["C2"], s.records["Q2"]),
        ("case-open-too-long", "case", s.cases["C6"], s.cases["C6"]),
        ("outcome-missing-at-closure", "case", s.cases["C3"], s.cases["C3"]),
    }
    assert any(f.text == "FICTIONALP3, Reporty: no NHS number" for f in report.findings)
    assert report.summary_lines()[0] == "Data quality for October 2026: 9 problem(s)."
    assert "No GP practice (record the GP practice)" in "\n".join(report.summary_lines())
    assert "No NHS number (find it on the Spine or with the GP)" in "\n".join(
        report.summary_lines())


def test_the_age_limit_is_configurable_and_wrong_values_refused(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    reports = ReportService(senior)
    counts = {c.code: c.count for c in reports.data_quality(OCTOBER, open_days=50).checks}
    assert counts["case-open-too-long"] == 0
    with pytest.raises(ValueError, match="at least one day"):
        reports.data_quality(OCTOBER, open_days=0)


def test_a_practitioner_sees_only_their_own_cases_problems(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    report = ReportService(open_session(NORTH)).data_quality(OCTOBER)
    assert {c.code: c.count for c in report.checks if c.count} == {
        "nhs-number-unverified": 1, "screening-not-signed-off": 1, "case-open-too-long": 1}


def test_a_month_with_nothing_wrong_is_clean(open_session) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    report = ReportService(senior).data_quality(periods.month(date(2026, 6, 1)))
    assert report.is_clean
    assert report.summary_lines() == ["Data quality for June 2026: nothing to fix."]
