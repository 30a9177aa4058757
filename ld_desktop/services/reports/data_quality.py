"""Data quality before anything leaves: what would make the monthly return wrong, each
finding with the record to open and fix."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.reports.period import Period
from ld_desktop.services.reports.scope import report_filter
from ld_desktop.services.session import UserSession
from ld_desktop.store import quality_queries as q
from ld_desktop.store.page_cache import widen_page_cache
from ld_desktop.store.staff_queries import get_setting

SETTING_KEY = "reports"
DEFAULT_OPEN_CASE_DAYS = 28
FIRST_FINDINGS = 200          # per check; the count is always complete

#: code -> (what is wrong, the record it opens, what to do)
CHECKS: dict[str, tuple[str, str, str]] = {
    "nhs-number-missing": ("No NHS number", SyncedEntity.PERSON,
                           "Find it on the Spine or with the GP"),
    "nhs-number-unverified": ("NHS number not verified", SyncedEntity.PERSON, "Verify it"),
    "ethnicity-missing": ("Ethnicity not stated", SyncedEntity.PERSON,
                          "Ask, and record the answer"),
    "sex-missing": ("Sex not known", SyncedEntity.PERSON, "Record it"),
    "gp-missing": ("No GP practice", SyncedEntity.PERSON, "Record the GP practice"),
    "referral-without-contact": ("Referral with no contact", SyncedEntity.CASE,
                                 "Record when they were seen, or close the referral"),
    "screening-not-signed-off": ("Screening never signed off", SyncedEntity.CASE, "Sign it off"),
    "case-open-too-long": ("Case open too long", SyncedEntity.CASE,
                           "Close it or record why it is open"),
    "outcome-missing-at-closure": ("No outcome recorded at closure", SyncedEntity.CASE,
                                   "Record the outcome"),
}


@dataclass(frozen=True)
class Finding:
    check: str
    record_kind: str              # "person" or "case": what the line opens
    record_id: uuid.UUID          # the person or case to open
    subject_id: uuid.UUID         # the record at fault (a screening's own id, say)
    text: str


@dataclass(frozen=True)
class CheckResult:
    code: str
    label: str
    advice: str
    count: int


@dataclass(frozen=True)
class DataQualityReport:
    period: Period
    open_case_days: int
    checks: tuple[CheckResult, ...]
    findings: tuple[Finding, ...]      # the first FIRST_FINDINGS of each check

    @property
    def is_clean(self) -> bool:
        return all(c.count == 0 for c in self.checks)

    @property
    def problem_count(self) -> int:
        return sum(c.count for c in self.checks)

    def summary_lines(self) -> list[str]:
        if self.is_clean:
            return [f"Data quality for {self.period.label}: nothing to fix."]
        lines = [f"Data quality for {self.period.label}: {self.problem_count} problem(s)."]
        lines += [f"  {c.count:>6}  {c.label} ({_lower_first(c.advice)})"
                  for c in self.checks if c.count]
        return lines


def _lower_first(text: str) -> str:
    """"No NHS number" -> "no NHS number": mid-sentence, without lowering NHS, GP, Spine."""
    return text[:1].lower() + text[1:]


def open_case_days(session: UserSession) -> int:
    with session.store.reading() as db:
        stored = get_setting(db, SETTING_KEY) or {}
    return int(stored.get("open_case_days", DEFAULT_OPEN_CASE_DAYS))


def data_quality(session: UserSession, period: Period,
                 site_ids: Iterable[uuid.UUID] | None = None, *,
                 open_days: int | None = None, now: datetime | None = None
                 ) -> DataQualityReport:
    f = report_filter(session, period, site_ids)
    days = open_case_days(session) if open_days is None else open_days
    if days < 1:
        raise ValueError("A case's age limit must be at least one day.")
    moment = min(now or session.now(), period.end)
    unseen = timedelta(minutes=session.settings.load().targets.referral_to_seen)
    open_before, unseen_before = moment - timedelta(days=days), moment - unseen
    results, findings = [], []
    with session.store.reading() as db:
        widen_page_cache(db)
        counted, first = q.findings(db, f, open_before, unseen_before, FIRST_FINDINGS)
    for code, (label, kind, advice) in CHECKS.items():
        results.append(CheckResult(code, label, advice, counted[code]))
        findings += [Finding(code, kind, case_id if kind == SyncedEntity.CASE else subject,
                             subject, f"{family.upper()}, {given}: {_lower_first(label)}")
                     for subject, case_id, given, family in first[code]]
    return DataQualityReport(period, days, tuple(results), tuple(findings))
