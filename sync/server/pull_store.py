"""Pull: records and conflicts changed after a cursor, limited to the device's sites.

The watermark is read first: every sequence number at or below it is committed or was never
used (`seq_reservations`), so a page never skips an open transaction's changes. A record
changed again later reappears under its newer number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping

from sync.protocol import DELETED_FIELD, ConflictState, PullResponse, RecordState
from sync.server import schema as t
from sync.server.database import READ_ONLY
from sync.server.schema import GLOBAL_SCOPE
from sync.server.seq_reservations import watermark


def pull_changes(engine: Engine, device_sites: frozenset[str], cursor: int, limit: int,
                 server_hlc: str) -> PullResponse:
    sites = [*sorted(device_sites), GLOBAL_SCOPE]
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        top = watermark(conn)
        if cursor > top:
            return PullResponse(records=[], conflicts=[], next_cursor=0, has_more=True,
                                server_hlc=server_hlc, cursor_reset=True)
        records = conn.execute(_changed(t.records, sites, cursor, top, limit)).mappings().all()
        conflicts = conn.execute(_changed(t.conflicts, sites, cursor, top, limit)).mappings().all()
    items = sorted([("r", row) for row in records] + [("c", row) for row in conflicts],
                   key=lambda item: int(item[1]["seq"]))
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = int(items[-1][1]["seq"]) if has_more else top
    return PullResponse(
        records=[_record_state(row) for kind, row in items if kind == "r"],
        conflicts=[_conflict_state(row) for kind, row in items if kind == "c"],
        next_cursor=next_cursor, has_more=has_more, server_hlc=server_hlc,
    )


def _changed(table: sa.Table, sites: Sequence[str], cursor: int, top: int,
             limit: int) -> sa.Select[Any]:
    scope = t.record_scope
    in_scope = sa.exists().where(scope.c.entity == table.c.entity,
                                 scope.c.entity_id == table.c.entity_id,
                                 scope.c.site_id.in_(sites))
    return (sa.select(table).where(table.c.seq > cursor, table.c.seq <= top, in_scope)
            .order_by(table.c.seq).limit(limit + 1))


def _record_state(row: RowMapping) -> RecordState:
    fields = row["fields"]
    return RecordState(
        entity=row["entity"], entity_id=row["entity_id"], seq=row["seq"], fields=fields,
        versions={name: meta[0] for name, meta in row["meta"].items()},
        deleted=fields.get(DELETED_FIELD) is True,
    )


def _conflict_state(row: RowMapping) -> ConflictState:
    return ConflictState(
        conflict_id=row["id"], seq=row["seq"], entity=row["entity"], entity_id=row["entity_id"],
        field=row["field"], values=row["values"], current=row["current"], status=row["status"],
        resolution=row["resolution"],
    )
