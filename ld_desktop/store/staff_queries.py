"""Read queries over staff, sites and settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.store.models import Setting, Site, StaffMember


def find_staff(session: Session, username: str) -> StaffMember | None:
    for staff in session.scalars(select(StaffMember)):
        if staff.username.casefold() == username.casefold():
            return staff
    return None


def all_staff(session: Session) -> list[StaffMember]:
    return list(session.scalars(select(StaffMember).order_by(StaffMember.username)))


def all_sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.name)))


def get_setting(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(Setting, key)
    return None if row is None else dict(row.value)


def put_setting(session: Session, key: str, value: dict[str, Any]) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
