"""The sites directory. (Staff are synced records, changed only by admin-signed ops.)"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sync.server import schema as t
from sync.server.database import READ_ONLY
from sync.wire import SiteInfo


def list_sites(engine: Engine) -> list[SiteInfo]:
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        rows = conn.execute(sa.select(t.sites.c.id, t.sites.c.name).order_by(t.sites.c.name))
        return [SiteInfo(id=row.id, name=row.name) for row in rows]
