"""Coverage of each site's core hours by the rota over a period, and the gaps counted
(the rota's own rule: only a shift with someone on it covers; leave and sickness do not)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from ld_desktop.domain.rota import Shift, default_core_hours, gaps_for_day, parse_time
from ld_desktop.services.reports.period import Period
from ld_desktop.store.report_queries import sites_with_hours
from ld_desktop.store.rota_queries import entries_between
from ld_desktop.store.store import DbSession

MAX_DAYS = 400


def _minutes(start: str, end: str) -> int:
    a, b = parse_time(start), parse_time(end)
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def coverage_bars(db: DbSession, site_ids: tuple[uuid.UUID, ...], period: Period,
                  names: dict[uuid.UUID, str]) -> dict[str, tuple[float, int | None]]:
    """{"<site>|core": hours, "<site>|uncovered": hours, "<site>|gaps": count} over the
    whole days the period touches."""
    first = period.start.date()
    last = min((period.end - timedelta(microseconds=1)).date(),
               first + timedelta(days=MAX_DAYS))
    shifts = [Shift(str(e.site_id), e.on_date, e.starts, e.ends, e.username, e.kind)
              for e in entries_between(db, list(site_ids), first, last)]
    found: dict[str, tuple[float, int | None]] = {}
    for site_id, name, kind, stored in sites_with_hours(db, site_ids):
        hours = ({d: (h[0], h[1]) for d, h in stored.items()} if stored
                 else default_core_hours(kind))
        core = uncovered = gaps = 0
        day = first
        while day <= last:
            today = hours.get(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()])
            if today:
                core += _minutes(*today)
                for gap in gaps_for_day(str(site_id), hours, day, shifts):
                    gaps += 1
                    uncovered += _minutes(f"{gap.starts:%H:%M}", f"{gap.ends:%H:%M}")
            day += timedelta(days=1)
        label = names.get(site_id, name)
        found[f"{label}|core"] = (round(core / 60, 1), None)
        found[f"{label}|uncovered"] = (round(uncovered / 60, 1), None)
        found[f"{label}|gaps"] = (gaps, None)
    return found
