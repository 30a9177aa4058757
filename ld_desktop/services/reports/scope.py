"""Whose work a report covers: a senior sees the sites they work at (or some of them); a
practitioner sees their own work (the cases they hold) at their sites."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ld_desktop.domain.roles import Permission, Role
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.reports.period import Period
from ld_desktop.services.session import UserSession
from ld_desktop.store.report_queries import Filter


def report_filter(session: UserSession, period: Period,
                  site_ids: Iterable[uuid.UUID] | None = None) -> Filter:
    session.require(Permission.VIEW_RECORDS)
    mine = session.site_ids
    chosen = list(mine if site_ids is None else site_ids)
    outside = [s for s in chosen if s not in mine]
    if outside:
        raise RecordNotFound(SyncedEntity.SITE)
    holder = None if session.user.role is not Role.PRACTITIONER else session.user.username
    return Filter(tuple(chosen), period.start, period.end, holder)
