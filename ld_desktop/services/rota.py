"""The team rota across the senior's sites: shifts, leave and sickness, gaps in core hours,
who is on now and next. Entries sync like everything else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.rota import (
    SHIFT_KINDS,
    Gap,
    Shift,
    default_core_hours,
    gaps_for_day,
    next_on,
    on_duty,
    parse_time,
    validate_core_hours,
)
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.store.clinical_queries import get_in_sites
from ld_desktop.store.models import RotaEntry, Site
from ld_desktop.store.rota_queries import entries_between
from ld_desktop.store.staff_queries import all_sites


@dataclass(frozen=True)
class RotaLine:
    id: uuid.UUID
    shift: Shift


@dataclass(frozen=True)
class RotaWeek:
    first_day: date
    lines: tuple[RotaLine, ...]
    gaps: tuple[Gap, ...]
    core_hours: dict[str, dict[str, tuple[str, str]]]   # site id -> day -> (start, end)


def _shift(e: RotaEntry) -> Shift:
    return Shift(str(e.site_id), e.on_date, e.starts, e.ends, e.username, e.kind)


class RotaService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def core_hours(self) -> dict[str, dict[str, tuple[str, str]]]:
        with self._s.store.reading() as db:
            return {str(s.id): _hours(s) for s in all_sites(db) if s.id in self._s.site_ids}

    def set_core_hours(self, site_id: uuid.UUID, hours: dict[str, tuple[str, str]]) -> None:
        self._s.require(Permission.MANAGE_ROTA)
        validate_core_hours(hours)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            site = uow.session.get(Site, site_id)
            if site is None or site_id not in self._s.site_ids:
                raise RecordNotFound(SyncedEntity.SITE)
            uow.changes.update(site, {"core_hours": {d: list(h) for d, h in hours.items()}})
            uow.audit("core-hours-changed", entity=SyncedEntity.SITE, entity_id=site_id)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.SITE, SyncedEntity.ROTA_ENTRY})))

    def week(self, first_day: date) -> RotaWeek:
        last = first_day + timedelta(days=6)
        hours = self.core_hours()
        with self._s.store.reading() as db:
            entries = entries_between(db, self._s.site_ids, first_day - timedelta(days=1), last)
            lines = tuple(RotaLine(e.id, _shift(e)) for e in entries)
        shifts = [line.shift for line in lines]
        gaps = tuple(
            gap
            for site_id, site_hours in hours.items()
            for offset in range(7)
            for gap in gaps_for_day(site_id, site_hours, first_day + timedelta(days=offset),
                                    shifts)
        )
        return RotaWeek(first_day, tuple(li for li in lines if li.shift.on_date >= first_day),
                        gaps, hours)

    def assign(self, site_id: uuid.UUID, on_date: date, starts: str, ends: str,
               username: str | None, kind: str = "shift") -> uuid.UUID:
        self._s.require(Permission.MANAGE_ROTA)
        if site_id not in self._s.site_ids:
            raise PermissionError("You can only plan the rota for your own sites.")
        if kind not in SHIFT_KINDS:
            raise ValueError("A rota entry is a shift, leave or sickness.")
        parse_time(starts)
        parse_time(ends)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            entry = RotaEntry(site_id=site_id, on_date=on_date, starts=starts, ends=ends,
                              username=username, kind=kind)
            uow.changes.create(entry)
            uow.audit("rota-entry-added", entity=SyncedEntity.ROTA_ENTRY, entity_id=entry.id,
                      detail={"kind": kind})
            entry_id = entry.id
        self._s.bus.publish(Changes(frozenset({SyncedEntity.ROTA_ENTRY}), frozenset({entry_id})))
        return entry_id

    def change(self, entry_id: uuid.UUID, **changes: object) -> None:
        """Reassign, retime or mark leave/sickness (fields: username, starts, ends, kind)."""
        self._s.require(Permission.MANAGE_ROTA)
        if set(changes) - {"username", "starts", "ends", "kind"}:
            raise ValueError("Only the person, times and kind of an entry can change.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            entry = get_in_sites(uow.session, RotaEntry, entry_id, self._s.site_ids)
            if entry is None:
                raise RecordNotFound("rota entry")
            uow.changes.update(entry, dict(changes))
            uow.audit("rota-entry-changed", entity=SyncedEntity.ROTA_ENTRY, entity_id=entry_id,
                      detail={"fields": sorted(changes)})
        self._s.bus.publish(Changes(frozenset({SyncedEntity.ROTA_ENTRY}), frozenset({entry_id})))

    def swap(self, first_id: uuid.UUID, second_id: uuid.UUID) -> None:
        """Swap the people on two entries, in one transaction."""
        self._s.require(Permission.MANAGE_ROTA)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            first = get_in_sites(uow.session, RotaEntry, first_id, self._s.site_ids)
            second = get_in_sites(uow.session, RotaEntry, second_id, self._s.site_ids)
            if first is None or second is None:
                raise RecordNotFound("rota entry")
            a, b = first.username, second.username
            uow.changes.update(first, {"username": b})
            uow.changes.update(second, {"username": a})
            uow.audit("rota-swap", entity=SyncedEntity.ROTA_ENTRY, entity_id=first_id)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.ROTA_ENTRY})))

    def on_now_and_next(self, at: datetime) -> tuple[list[Shift], list[Shift]]:
        """Who is on now and who comes on next (``at`` in local time, naive)."""
        with self._s.store.reading() as db:
            shifts = [_shift(e) for e in entries_between(
                db, self._s.site_ids, at.date() - timedelta(days=1), at.date() + timedelta(days=1))]
        return on_duty(shifts, at), next_on(shifts, at)


def _hours(site: Site) -> dict[str, tuple[str, str]]:
    if site.core_hours:
        return {day: (h[0], h[1]) for day, h in site.core_hours.items()}
    return default_core_hours(site.kind)
