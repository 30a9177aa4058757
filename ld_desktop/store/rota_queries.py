"""Rota entries for a date range."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.store.models import RotaEntry


def entries_between(
    session: Session, site_ids: list[uuid.UUID], first: date, last: date
) -> list[RotaEntry]:
    stmt = (
        select(RotaEntry)
        .where(
            RotaEntry.site_id.in_(site_ids),
            RotaEntry.on_date >= first,
            RotaEntry.on_date <= last,
            RotaEntry.entered_in_error.is_(False),
        )
        .order_by(RotaEntry.on_date, RotaEntry.starts)
    )
    return list(session.scalars(stmt))
