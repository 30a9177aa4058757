"""The dashboard: every figure for a period, beside the same figure for the period before."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from ld_desktop.domain.pathway import ContactType, Disposal, Recipient, ReferralSource
from ld_desktop.domain.vulnerabilities import label as domain_label
from ld_desktop.services.clinical.escalation import EscalationStatus
from ld_desktop.services.reports.coverage import coverage_bars
from ld_desktop.services.reports.figures import Bar, Dashboard, Figure, Timeliness
from ld_desktop.services.reports.period import Period
from ld_desktop.services.reports.scope import report_filter
from ld_desktop.services.session import UserSession
from ld_desktop.store import dashboard_queries as dq
from ld_desktop.store import report_queries as q
from ld_desktop.store.page_cache import widen_page_cache
from ld_desktop.store.store import DbSession

Counts = dict[str, tuple[float, int | None]]       # key -> (value, of which youth)
ONWARD_MEASURES = (("made", "made"), ("accepted", "accepted"), ("declined", "declined"),
                   ("engaged", "engaged"))
#: which current statuses count under each measure (a referral's status moves on:
#: made -> accepted -> attended or did-not-attend; declined ends it)
ONWARD_STATUSES = {
    "made": {"made", "accepted", "declined", "attended", "did-not-attend"},
    "accepted": {"accepted", "attended", "did-not-attend"},
    "declined": {"declined"},
    "engaged": {"attended"},
}


def _label(enum: type, code: str) -> str:
    try:
        return str(enum(code).label)
    except (ValueError, AttributeError):
        return code.replace("-", " ").capitalize()


def _bars(now: Counts, before: Counts, label: Callable[[str], str],
          order: Iterable[str] = ()) -> tuple[Bar, ...]:
    keys = list(dict.fromkeys([*order, *now, *before]))
    return tuple(Bar(k, label(k), now.get(k, (0, None))[0], before.get(k, (0, None))[0],
                     now.get(k, (0, 0))[1] if now.get(k, (0, 0))[1] is not None else None)
                 for k in keys if k in now or k in before)


class _Counted:
    """Every figure's counts for one period, from the queries that count both periods."""

    def __init__(self, cohort: dq.Cohort, escalations: dict[str, int],
                 onward_rows: list[tuple[str, str, str, int]], shares: dict[str, int],
                 decisions: tuple[int, int], outcomes: dict[str, int]) -> None:
        self.source: Counts = {c: (n, y) for c, (n, y) in cohort.source.items()}
        self.contact: Counts = {c: (n, y) for c, (n, y) in cohort.contact.items()}
        self.reached: Counts = {k: (n, y) for k, (n, y) in cohort.reached.items()}
        self.times = cohort
        self.needs: Counts = {c: (n, None) for c, n in cohort.needs.items()}
        self.escalations: Counts = {s: (n, None) for s, n in escalations.items()}
        onward: dict[str, float] = {}
        self.services: dict[str, str] = {}
        for code, name, status, n in onward_rows:
            self.services[code] = name
            for measure, statuses in ONWARD_STATUSES.items():
                if status in statuses:
                    onward[f"{code}|{measure}"] = onward.get(f"{code}|{measure}", 0) + n
        self.onward: Counts = {k: (n, None) for k, n in onward.items()}
        self.shares: Counts = {r: (n, None) for r, n in shares.items()}
        self.sharing_decisions = decisions
        self.outcomes: Counts = {d or "none": (n, None) for d, n in outcomes.items()}
        self.repeat: Counts = {"once": (cohort.people_seen - cohort.seen_before, None),
                               "repeat": (cohort.seen_before, None)}


def _count_both(db: DbSession, f: q.Filter, split: datetime, minutes: tuple[int, int],
                ends: tuple[datetime, datetime]) -> dict[int, _Counted]:
    """Both periods' counts: ``f`` spans them, ``split`` is where this period starts and
    ``ends`` are (the period before's end, this period's end)."""
    year = timedelta(days=365)
    cohort = dq.cohort(db, f, split, *minutes, (ends[dq.BEFORE] - year, ends[dq.NOW] - year))
    escalations = dq.escalations_by_status(db, f, split)
    onward = dq.onward_by_service(db, f, split)
    shares = dq.shares_by_recipient(db, f, split)
    decisions = dq.sharing_decisions(db, f, split)
    outcomes = dq.outcomes_at_closure(db, f, split)
    return {b: _Counted(cohort[b], escalations[b], onward[b], shares[b], decisions[b],
                        outcomes[b]) for b in (dq.BEFORE, dq.NOW)}


def build_dashboard(session: UserSession, period: Period,
                    site_ids: Iterable[uuid.UUID] | None = None) -> Dashboard:
    f = report_filter(session, period, site_ids)
    before_period = period.previous()
    if before_period.end != period.start:       # every kind of period follows the one before
        raise ValueError("The comparison period must end where the period starts.")
    both = replace(f, start=before_period.start)
    targets = session.settings.load().targets
    minutes = (targets.referral_to_seen, targets.referral_to_screened)
    with session.store.reading() as db:
        widen_page_cache(db)
        counted = _count_both(db, both, period.start, minutes, (before_period.end, period.end))
        names = q.site_names(db, f.site_ids)
        cover_now = coverage_bars(db, f.site_ids, period, names)
        cover_before = coverage_bars(db, f.site_ids, before_period, names)
    now, before = counted[dq.NOW], counted[dq.BEFORE]
    t = now.times
    timeliness = Timeliness(
        referred=t.referred, seen=t.seen, seen_within_target=t.seen_within,
        screened=t.screened, screened_within_target=t.screened_within,
        mean_minutes_to_seen=t.mean_minutes_to_seen,
        mean_minutes_seen_to_screened=t.mean_minutes_seen_to_screened,
        target_minutes_to_seen=targets.referral_to_seen,
        target_minutes_to_screened=targets.referral_to_screened)
    figures = _figures(now, before, timeliness, before.times, cover_now, cover_before)
    return Dashboard(period, before_period, tuple(sorted(names.values())), f.holder,
                     figures, timeliness, session.now())


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _minutes(value: float | None) -> str:
    return "none seen" if value is None else f"{value:.0f} min"


def _figures(now: _Counted, before: _Counted, t: Timeliness, bt: dq.Cohort,
             cover_now: Counts, cover_before: Counts) -> tuple[Figure, ...]:
    steps = {"referred": "Referred", "seen": "Seen", "screened": "Screened",
             "assessed": "Assessed"}
    services = {**before.services, **now.services}
    measures = dict(ONWARD_MEASURES)

    def onward_label(key: str) -> str:
        code, measure = key.split("|")
        return f"{services.get(code, code)}: {measures[measure]}"

    decisions, refused = now.sharing_decisions
    outcome_label = {"none": "No outcome recorded"}
    return (
        Figure("referrals-by-source", "Referrals by source", "referrals",
               _bars(now.source, before.source, lambda c: _label(ReferralSource, c),
                     [s.value for s in ReferralSource])),
        Figure("referrals-by-contact", "Referrals by contact type", "referrals",
               _bars(now.contact, before.contact, lambda c: _label(ContactType, c),
                     [c.value for c in ContactType])),
        Figure("pathway", "People referred, seen, screened and assessed", "people",
               _bars(now.reached, before.reached, lambda k: steps[k], steps)),
        Figure("timeliness", "Timeliness against target", "%", (
            Bar("seen-within", f"Seen within {t.target_minutes_to_seen} min",
                _share(t.seen_within_target, t.referred), _share(bt.seen_within, bt.referred)),
            Bar("screened-within", f"Screened within {t.target_minutes_to_screened} min",
                _share(t.screened_within_target, t.referred),
                _share(bt.screened_within, bt.referred)),
        ), notes=(f"Mean referral to seen: {_minutes(t.mean_minutes_to_seen)}.",
                  f"Mean seen to screened: {_minutes(t.mean_minutes_seen_to_screened)}.",
                  f"Shares are of the {t.referred} referral(s) in the period."), drill=False),
        Figure("needs-found", "Needs found (people screened)", "people",
               _bars(now.needs, before.needs, domain_label)),
        Figure("escalations", "Escalations by outcome", "escalations",
               _bars(now.escalations, before.escalations,
                     lambda s: _label(EscalationStatus, s) if s != "requested" else "Awaiting",
                     [s.value for s in EscalationStatus])),
        Figure("onward-referrals", "Onward referrals by service", "referrals",
               _bars(now.onward, before.onward, onward_label,
                     sorted({*now.onward, *before.onward},
                            key=lambda k: (k.split("|")[0], list(measures).index(
                                k.split("|")[1]))))),
        Figure("information-shared", "Information shared, by recipient", "shares",
               _bars(now.shares, before.shares, lambda r: _label(Recipient, r),
                     [r.value for r in Recipient]),
               notes=(f"Refused for want of consent: {refused} of {decisions} decision(s) "
                      f"about sharing ({_share(refused, decisions)}%).",)),
        Figure("outcomes", "Outcomes recorded at closure", "cases",
               _bars(now.outcomes, before.outcomes,
                     lambda d: outcome_label.get(d) or _label(Disposal, d),
                     [*(d.value for d in Disposal), "none"])),
        Figure("repeat-attendance", "People seen, and seen before in the last 12 months",
               "people", _bars(now.repeat, before.repeat,
                               lambda k: "First time in 12 months" if k == "once"
                               else "Seen before in 12 months",
                               ["once", "repeat"]), drill=False),
        Figure("coverage", "Core hours covered by the rota", "hours",
               _bars(_hours_only(cover_now), _hours_only(cover_before), _coverage_label),
               drill=False,
               notes=tuple(f"{_coverage_label(k)}: {int(v)}" for k, (v, _) in cover_now.items()
                           if k.endswith("|gaps"))),
    )


def _coverage_label(key: str) -> str:
    site, measure = key.rsplit("|", 1)
    return f"{site}: " + {"core": "core hours", "uncovered": "hours uncovered",
                          "gaps": "gaps in cover"}[measure]


def _hours_only(counts: Counts) -> Counts:
    return {k: v for k, v in counts.items() if not k.endswith("|gaps")}
