"""Reporting periods: this shift, week, month, quarter or custom; each knows the period
before it (for the comparison). Bounds are UTC instants, half-open ``[start, end)``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

SHIFT_HOURS = 8
KINDS = ("shift", "week", "month", "quarter", "custom")


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        last = self.end - timedelta(microseconds=1)
        if self.kind == "shift":
            return f"Shift {self.start:%d %b %H:%M}-{self.end:%H:%M}"
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start:%Y} ({self.start:%b}-{last:%b})"
        return f"{self.start:%d %b %Y} to {last:%d %b %Y}"

    def previous(self) -> Period:
        if self.kind == "month":
            return month(_month_before(self.start.date()))
        if self.kind == "quarter":
            return quarter(_month_before(_month_before(_month_before(self.start.date()))))
        length = self.end - self.start
        return Period(self.kind, self.start - length, self.start)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def shift(now: datetime) -> Period:
    """The last eight hours, up to now."""
    return Period("shift", now - timedelta(hours=SHIFT_HOURS), now)


def week(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period("week", _midnight(monday), _midnight(monday + timedelta(days=7)))


def month(day: date) -> Period:
    first = day.replace(day=1)
    return Period("month", _midnight(first), _midnight(_month_after(first)))


def quarter(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = _month_after(_month_after(_month_after(first)))
    return Period("quarter", _midnight(first), _midnight(last))


def custom(first: date, last: date) -> Period:
    """From the start of ``first`` to the end of ``last`` (both included)."""
    if last < first:
        raise ValueError("The period ends before it starts.")
    if (last - first).days > 366 * 2:
        raise ValueError("A custom period can be at most two years long.")
    return Period("custom", _midnight(first), _midnight(last + timedelta(days=1)))


def of_kind(kind: str, now: datetime) -> Period:
    """The current period of a kind (``custom`` is not one: give its dates)."""
    makers = {"shift": lambda: shift(now), "week": lambda: week(now.date()),
              "month": lambda: month(now.date()), "quarter": lambda: quarter(now.date())}
    if kind not in makers:
        raise ValueError(f"{kind!r} is not a period (choose shift, week, month or quarter).")
    return makers[kind]()


def parse_month(text: str) -> Period:
    """``2026-10`` -> October 2026; anything else is a clear error."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month: write it like 2026-10.")
    return month(date(int(found.group(1)), int(found.group(2)), 1))
