"""The sites and staff directory: the server is the source of truth."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sync.server import schema as t
from sync.server.database import READ_ONLY
from sync.server.registry import RegistryError
from sync.wire import SiteInfo, StaffMember


def list_sites(engine: Engine) -> list[SiteInfo]:
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        rows = conn.execute(sa.select(t.sites.c.id, t.sites.c.name).order_by(t.sites.c.name))
        return [SiteInfo(id=row.id, name=row.name) for row in rows]


def list_staff(engine: Engine, device_sites: frozenset[str]) -> list[StaffMember]:
    """Staff of the device's sites, and staff attached to no site."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        rows = conn.execute(sa.select(t.staff).order_by(t.staff.c.name)).mappings().all()
    members = [StaffMember(id=row["id"], name=row["name"], role=row["role"],
                           sites=row["sites"], active=row["active"]) for row in rows]
    return [m for m in members if not m.sites or set(m.sites) & device_sites]


def save_staff(engine: Engine, member: StaffMember, device_id: str,
               device_sites: frozenset[str]) -> StaffMember:
    """Create or replace a staff member; a device may not change staff of other sites only."""
    values = {"name": member.name, "role": member.role, "sites": sorted(set(member.sites)),
              "active": member.active, "updated_at": datetime.now(UTC), "updated_by": device_id}
    with engine.begin() as conn:
        existing = conn.execute(sa.select(t.staff.c.sites).where(t.staff.c.id == str(member.id))
                                ).scalar_one_or_none()
        if existing and not set(existing) & device_sites:
            raise RegistryError(403, "forbidden_site", "this staff member belongs to other sites")
        done = conn.execute(sa.update(t.staff).where(t.staff.c.id == str(member.id))
                            .values(**values))
        if done.rowcount == 0:
            conn.execute(sa.insert(t.staff).values(id=str(member.id), **values))
    return member.model_copy(update={"sites": values["sites"]})
