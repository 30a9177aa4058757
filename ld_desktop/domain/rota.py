"""Staffing cover: each site's core hours, shifts, and the gaps in cover.

Core hours are per contract (e.g. custody 07:00-22:00 seven days, court 09:00-17:00
weekdays), so they are configurable per site. A gap is any stretch of core hours on a day not
covered by a shift with someone on it; leave and sickness do not cover anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CUSTODY_CORE_HOURS = {day: ("07:00", "22:00") for day in DAYS}
COURT_CORE_HOURS = {day: ("09:00", "17:00") for day in DAYS[:5]}
SHIFT_KINDS = ("shift", "leave", "sickness")


def default_core_hours(site_kind: str) -> dict[str, tuple[str, str]]:
    return dict(COURT_CORE_HOURS if site_kind == "court" else CUSTODY_CORE_HOURS)


def parse_time(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 07:00.") from None


def validate_core_hours(hours: dict[str, tuple[str, str]]) -> None:
    for day, (start, end) in hours.items():
        if day not in DAYS:
            raise ValueError(f"{day!r} is not a day (use mon..sun).")
        if parse_time(start) >= parse_time(end):
            raise ValueError(f"On {day} the core hours end before they start.")


@dataclass(frozen=True)
class Shift:
    site_id: str
    on_date: date
    starts: str
    ends: str
    username: str | None = None
    kind: str = "shift"

    @property
    def covers(self) -> bool:
        return self.kind == "shift" and bool(self.username)

    def window(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.on_date, parse_time(self.starts))
        end = datetime.combine(self.on_date, parse_time(self.ends))
        if end <= start:  # a night shift runs past midnight
            end += timedelta(days=1)
        return start, end


@dataclass(frozen=True)
class Gap:
    site_id: str
    on_date: date
    starts: time
    ends: time

    @property
    def label(self) -> str:
        return f"{self.on_date:%a %d %b} {self.starts:%H:%M}-{self.ends:%H:%M}"


def gaps_for_day(
    site_id: str, core_hours: dict[str, tuple[str, str]], on_date: date, shifts: Iterable[Shift]
) -> list[Gap]:
    hours = core_hours.get(DAYS[on_date.weekday()])
    if not hours:
        return []
    core_start = datetime.combine(on_date, parse_time(hours[0]))
    core_end = datetime.combine(on_date, parse_time(hours[1]))
    covering = sorted(covering_windows(site_id, shifts), key=lambda w: w[0])
    gaps: list[Gap] = []
    cursor = core_start
    for start, end in covering:
        if end <= cursor or start >= core_end:
            continue
        if start > cursor:
            gaps.append(Gap(site_id, on_date, cursor.time(), min(start, core_end).time()))
        cursor = max(cursor, end)
        if cursor >= core_end:
            break
    if cursor < core_end:
        gaps.append(Gap(site_id, on_date, cursor.time(), core_end.time()))
    return gaps


def covering_windows(site_id: str, shifts: Iterable[Shift]) -> list[tuple[datetime, datetime]]:
    """The times the site's shifts are really covered: a shift minus any leave or sickness
    recorded for the same person (someone rostered and then marked sick covers nothing)."""
    shifts = list(shifts)
    absences: dict[str, list[tuple[datetime, datetime]]] = {}
    for s in shifts:
        if s.kind != "shift" and s.username:
            absences.setdefault(s.username, []).append(s.window())
    windows: list[tuple[datetime, datetime]] = []
    for s in shifts:
        if s.site_id == site_id and s.covers:
            windows += _minus(s.window(), absences.get(s.username or "", []))
    return windows


def _minus(window: tuple[datetime, datetime], away: list[tuple[datetime, datetime]]
           ) -> list[tuple[datetime, datetime]]:
    pieces = [window]
    for off_start, off_end in away:
        pieces = [part for start, end in pieces for part in (
            [(start, end)] if off_end <= start or off_start >= end else
            [p for p in ((start, off_start), (off_end, end)) if p[0] < p[1]])]
    return pieces


def on_duty(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """Shifts with someone on them that cover the given (local, naive) time (not while
    that person is recorded on leave or sick)."""
    shifts = list(shifts)
    away = [s for s in shifts if s.kind != "shift" and s.username
            and s.window()[0] <= at < s.window()[1]]
    absent = {s.username for s in away}
    return [s for s in shifts if s.covers and s.username not in absent
            and s.window()[0] <= at < s.window()[1]]


def next_on(shifts: Iterable[Shift], after: datetime) -> list[Shift]:
    """The shifts that start next after a time (all starting at the earliest such time)."""
    upcoming = sorted((s for s in shifts if s.covers and s.window()[0] > after),
                      key=lambda s: s.window()[0])
    if not upcoming:
        return []
    first = upcoming[0].window()[0]
    return [s for s in upcoming if s.window()[0] == first]
