"""Gaps in core hours: what the rota view highlights."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from ld_desktop.domain.rota import (
    Shift,
    default_core_hours,
    gaps_for_day,
    next_on,
    on_duty,
    validate_core_hours,
)

MONDAY = date(2026, 11, 23)
SATURDAY = date(2026, 11, 28)
CUSTODY = default_core_hours("custody")
COURT = default_core_hours("court")


def test_no_shifts_means_the_whole_core_day_is_a_gap() -> None:
    [gap] = gaps_for_day("s", CUSTODY, MONDAY, [])
    assert (gap.starts, gap.ends) == (time(7), time(22))


def test_two_shifts_with_a_hole_leave_exactly_the_hole() -> None:
    shifts = [
        Shift("s", MONDAY, "07:00", "14:00", "amy"),
        Shift("s", MONDAY, "15:00", "23:00", "bo"),
    ]
    [gap] = gaps_for_day("s", CUSTODY, MONDAY, shifts)
    assert (gap.starts, gap.ends) == (time(14), time(15))


def test_leave_and_unfilled_shifts_do_not_cover() -> None:
    shifts = [
        Shift("s", MONDAY, "07:00", "22:00", "amy", kind="leave"),
        Shift("s", MONDAY, "07:00", "22:00", None),
        Shift("other-site", MONDAY, "07:00", "22:00", "cy"),
    ]
    assert len(gaps_for_day("s", CUSTODY, MONDAY, shifts)) == 1


def test_full_cover_and_court_weekend_have_no_gaps() -> None:
    shifts = [
        Shift("s", MONDAY, "06:30", "15:00", "amy"),
        Shift("s", MONDAY, "14:00", "22:30", "bo"),
    ]
    assert gaps_for_day("s", CUSTODY, MONDAY, shifts) == []
    assert gaps_for_day("s", COURT, SATURDAY, []) == []


def test_night_shift_runs_past_midnight() -> None:
    night = Shift("s", MONDAY, "21:00", "07:00", "nia")
    assert on_duty([night], datetime(2026, 11, 24, 3, 0)) == [night]


def test_who_is_on_now_and_next() -> None:
    early = Shift("s", MONDAY, "07:00", "15:00", "amy")
    late = Shift("s", MONDAY, "15:00", "22:00", "bo")
    assert on_duty([early, late], datetime(2026, 11, 23, 9)) == [early]
    assert next_on([early, late], datetime(2026, 11, 23, 9)) == [late]


def test_core_hours_are_validated() -> None:
    with pytest.raises(ValueError, match="end before"):
        validate_core_hours({"mon": ("22:00", "07:00")})
    with pytest.raises(ValueError, match="not a day"):
        validate_core_hours({"funday": ("07:00", "22:00")})
