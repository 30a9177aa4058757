"""Rota through the services: seniors plan it, gaps show, swaps are atomic, entries sync."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.errors import PermissionDenied

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic

MONDAY = date(2026, 11, 23)
SENIOR_PASS = "senior passphrase for rota"


@pytest.fixture
def senior(clinic: Clinic):  # type: ignore[no-untyped-def]
    admin = clinic.workstation.unlock("admin1", "admin passphrase for tests")
    admin.accounts.add_user("senior1", Role.SENIOR, SENIOR_PASS)
    admin.lock()
    session = clinic.workstation.unlock("senior1", SENIOR_PASS)
    yield session
    session.lock()


def test_gap_highlighted_then_filled(senior) -> None:  # type: ignore[no-untyped-def]
    custody = next(s for s in senior.sites if s.kind == "custody").id
    rota = senior.rota
    rota.assign(custody, MONDAY, "07:00", "15:00", "prac1")
    week = rota.week(MONDAY)
    monday_gaps = [g for g in week.gaps if g.site_id == str(custody) and g.on_date == MONDAY]
    assert [(g.starts, g.ends) for g in monday_gaps] == [(time(15), time(22))]
    rota.assign(custody, MONDAY, "15:00", "22:00", "senior1")
    week = rota.week(MONDAY)
    assert not [g for g in week.gaps if g.site_id == str(custody) and g.on_date == MONDAY]


def test_sickness_reopens_a_gap_and_swap_is_atomic(senior) -> None:  # type: ignore[no-untyped-def]
    custody = next(s for s in senior.sites if s.kind == "custody").id
    rota = senior.rota
    early = rota.assign(custody, MONDAY, "07:00", "15:00", "prac1")
    late = rota.assign(custody, MONDAY, "15:00", "22:00", "senior1")
    rota.swap(early, late)
    now, nxt = rota.on_now_and_next(datetime(2026, 11, 23, 9, 0))
    assert [s.username for s in now] == ["senior1"]
    assert [s.username for s in nxt] == ["prac1"]
    rota.change(late, kind="sickness")
    gaps = [g for g in rota.week(MONDAY).gaps if g.site_id == str(custody) and g.on_date == MONDAY]
    assert [(g.starts, g.ends) for g in gaps] == [(time(15), time(22))]


def test_court_core_hours_are_weekdays_and_configurable(senior) -> None:  # type: ignore[no-untyped-def]
    court = next(s for s in senior.sites if s.kind == "court").id
    assert "sat" not in senior.rota.core_hours()[str(court)]
    senior.rota.set_core_hours(court, {"mon": ("10:00", "16:00")})
    gaps = [g for g in senior.rota.week(MONDAY).gaps if g.site_id == str(court)]
    assert [(g.on_date, g.starts, g.ends) for g in gaps] == [(MONDAY, time(10), time(16))]


def test_practitioners_cannot_change_the_rota(clinic: Clinic) -> None:
    site = clinic.session.sites[0].id
    with pytest.raises(PermissionDenied):
        clinic.session.rota.assign(site, MONDAY, "07:00", "15:00", "prac1")


def test_marking_a_rostered_person_sick_opens_a_gap_in_their_shift(senior) -> None:  # type: ignore[no-untyped-def]
    """Sickness recorded as its own entry (the Rota page's 'Assign a shift, leave or
    sickness' form) takes the person off their shift: the hours are a gap again."""
    custody = next(s for s in senior.sites if s.kind == "custody").id
    rota = senior.rota
    rota.assign(custody, MONDAY, "07:00", "15:00", "prac1")
    rota.assign(custody, MONDAY, "15:00", "22:00", "senior1")
    assert not [g for g in rota.week(MONDAY).gaps
                if g.site_id == str(custody) and g.on_date == MONDAY]
    rota.assign(custody, MONDAY, "10:00", "23:59", "prac1", kind="sickness")
    gaps = [g for g in rota.week(MONDAY).gaps if g.site_id == str(custody) and g.on_date == MONDAY]
    assert [(g.starts, g.ends) for g in gaps] == [(time(10), time(15))]
    now, _next = rota.on_now_and_next(datetime(2026, 11, 23, 11, 0))
    assert [s.username for s in now] == []
    now, _next = rota.on_now_and_next(datetime(2026, 11, 23, 8, 0))
    assert [s.username for s in now] == ["prac1"]
