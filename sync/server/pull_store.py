"""Pull: records and conflicts changed after a cursor, limited to the device's sites.

The watermark is read first: every sequence number at or below it is committed or was never
used (`seq_reservations`), so a page never skips an open transaction's changes. A record
changed again later reappears under its newer number.

On PostgreSQL a page is one statement and leaves the database as JSON text in the wire shape
(`PullResponse`): each record's wire JSON was stored when a push wrote it (`records.body`,
see `record_body.py`), so PostgreSQL only puts the number in front and joins the texts, and
the server process never decodes a record nor handles a row per record. It
starts from the scope rows of the device's sites changed after the cursor (each carries
the newest number of its record and the record's conflicts, indexed by site and number), so
its cost follows the changes in those sites, not every change since the cursor. On SQLite
the rows are decoded and the page is built with the protocol's models.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError
from sqlalchemy.engine import Connection, Engine, RowMapping

from sync.protocol import (
    DELETED_FIELD,
    MAX_PAGE_BYTES,
    ConflictState,
    PullResponse,
    RecordState,
)
from sync.server import schema as t
from sync.server import seq_reservations
from sync.server.database import READ_ONLY
from sync.server.schema import GLOBAL_SCOPE
from sync.server.seq_reservations import watermark


def pull_page(engine: Engine, device_sites: frozenset[str], cursor: int, limit: int,
              server_hlc: str) -> bytes:
    """One page of a pull as the JSON body of the answer."""
    sites = [*sorted(device_sites), GLOBAL_SCOPE]
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
            return _page_from_postgres(conn, sites, cursor, limit, server_hlc)
        conn.execution_options(**{READ_ONLY: True})
        return wire_json(_page_from_rows(conn, sites, cursor, limit, server_hlc)).encode()


def pull_changes(engine: Engine, device_sites: frozenset[str], cursor: int, limit: int,
                 server_hlc: str) -> PullResponse:
    """The same page, decoded with `json`, then the model: the values the client gets from
    the bytes (`sync.client.transport.decode_answer`, tests/sync/test_answer_decoding.py)."""
    return PullResponse.model_validate(
        json.loads(pull_page(engine, device_sites, cursor, limit, server_hlc)))


def _cursor_reset(server_hlc: str) -> PullResponse:
    return PullResponse(records=[], conflicts=[], next_cursor=0, has_more=True,
                        server_hlc=server_hlc, cursor_reset=True)


_PAGE = sa.text(f"""
WITH top AS ({seq_reservations.WATERMARK}), record_keys AS (
    -- per site, the first rows of its records in order after the cursor (the index on
    -- (site_id, record_seq)): the page's records are among them, whatever else changed
    SELECT DISTINCT k.entity, k.entity_id
    FROM unnest(CAST(:sites AS text[])) AS site(id) CROSS JOIN LATERAL (
        SELECT s.entity, s.entity_id FROM record_scope AS s, top
        WHERE s.site_id = site.id AND s.record_seq > :cursor AND s.record_seq <= top.value
        ORDER BY s.record_seq LIMIT :over) AS k
), changed_records AS (
    -- each of those records looked up once by primary key, with its stored body (LIMIT 1
    -- keeps the planner from hashing every record changed anywhere since the cursor
    -- instead); octet_length reads a stored value's length without decompressing it
    SELECT r.entity, r.entity_id, NULL::text AS id, r.seq, r.size, r.body
    FROM record_keys AS k CROSS JOIN LATERAL (
        SELECT r.entity, r.entity_id, r.seq, r.body,
               octet_length(r.fields::text) + octet_length(r.meta::text) AS size
        FROM records AS r, top
        WHERE r.entity = k.entity AND r.entity_id = k.entity_id
          AND r.seq > :cursor AND r.seq <= top.value
        LIMIT 1) AS r
    ORDER BY r.seq LIMIT :over
), changed_conflicts AS (
    -- conflicts in order after the cursor (few), each kept if its record is in the sites
    SELECT NULL::text AS entity, NULL::text AS entity_id, c.id, c.seq,
           octet_length(c."values"::text) + COALESCE(octet_length(c."current"::text), 0)
           + COALESCE(octet_length(c.resolution::text), 0) AS size, NULL::text AS body
    FROM conflicts AS c, top
    WHERE c.seq > :cursor AND c.seq <= top.value
      AND EXISTS (SELECT 1 FROM record_scope AS s
                  WHERE s.entity = c.entity AND s.entity_id = c.entity_id
                    AND s.site_id = ANY(CAST(:sites AS text[])))
    ORDER BY c.seq LIMIT :over
), page AS (
    SELECT * FROM (SELECT * FROM changed_records UNION ALL SELECT * FROM changed_conflicts) AS u
    ORDER BY seq LIMIT :over
), kept AS (                        -- the bytes bound: every row that starts below it
    SELECT * FROM (SELECT page.*, SUM(size) OVER (ORDER BY seq) - size AS before
                   FROM page) AS s
    WHERE before < :max_bytes
), shown AS (                       -- the page's own rows; one more only says "has more"
    SELECT * FROM kept ORDER BY seq LIMIT :limit
), record_docs AS (                 -- the stored body, its number put in front
    SELECT seq, '{{"seq":' || seq || ',' || substr(body, 2) AS doc
    FROM shown WHERE body IS NOT NULL
), conflict_docs AS (
    SELECT c.seq, json_build_object(
        'conflict_id', c.id, 'seq', c.seq, 'entity', c.entity, 'entity_id', c.entity_id,
        'field', c.field, 'values', c."values", 'current', c."current", 'status', c.status,
        'resolution', c.resolution
    )::text AS doc
    FROM shown AS s JOIN conflicts AS c ON c.id = s.id
)
SELECT (SELECT value FROM top) AS top,
       (SELECT EXTRACT(EPOCH FROM now() - min(created_at))::bigint
        FROM seq_reservations) AS held_back_s,
       (SELECT count(*) FROM kept) > :limit
       OR EXISTS (SELECT 1 FROM page WHERE seq > (SELECT COALESCE(max(seq), -1) FROM kept))
           AS has_more,
       (SELECT max(seq) FROM shown) AS last_seq,
       COALESCE((SELECT string_agg(doc, ',' ORDER BY seq) FROM record_docs), '') AS records,
       COALESCE((SELECT string_agg(doc, ',' ORDER BY seq) FROM conflict_docs), '')
           AS conflicts
""")


def _page_from_postgres(conn: Connection, sites: list[str], cursor: int, limit: int,
                        server_hlc: str) -> bytes:
    """The page in one statement: PostgreSQL joins the stored record bodies (`records.body`)
    into the two lists, so the server handles a handful of values, not a row per record."""
    page = conn.execute(_PAGE, {"cursor": cursor, "sites": sites, "over": limit + 1,
                                "limit": limit, "max_bytes": MAX_PAGE_BYTES}).one()
    if page.held_back_s is not None and page.held_back_s > seq_reservations.HELD_BACK_S:
        seq_reservations.remove_abandoned(conn)     # for the next page: this one is read
    if cursor > page.top:
        return _cursor_reset(server_hlc).model_dump_json().encode()
    next_cursor = int(page.last_seq) if page.has_more else int(page.top)
    return (f'{{"records":[{page.records}],"conflicts":[{page.conflicts}],'
            f'"next_cursor":{next_cursor},"has_more":{json.dumps(page.has_more)},'
            f'"server_hlc":{json.dumps(server_hlc)},"cursor_reset":false}}').encode()


def wire_json(model: BaseModel) -> str:
    try:
        return model.model_dump_json()
    except PydanticSerializationError:   # a lone surrogate: UTF-8 cannot, JSON escapes can
        return json.dumps(model.model_dump(mode="json"))


def _page_from_rows(conn: Connection, sites: list[str], cursor: int, limit: int,
                    server_hlc: str) -> PullResponse:
    top = watermark(conn)
    if cursor > top:
        return _cursor_reset(server_hlc)
    narrow = [("r", row) for row in conn.execute(_changed(t.records, sites, cursor, top, limit))]
    narrow += [("c", row) for row in conn.execute(_changed(t.conflicts, sites, cursor, top,
                                                           limit))]
    narrow.sort(key=lambda item: int(item[1].seq))
    kept = _within_bytes(narrow[:limit + 1])
    has_more = len(kept) > limit or len(kept) < len(narrow[:limit + 1])
    kept = kept[:limit]
    next_cursor = int(kept[-1][1].seq) if has_more else top
    record_seqs = [row.seq for kind, row in kept if kind == "r"]
    conflict_seqs = [row.seq for kind, row in kept if kind == "c"]
    records = conn.execute(sa.select(t.records).where(t.records.c.seq.in_(record_seqs))
                           .order_by(t.records.c.seq)).mappings().all() if record_seqs else []
    conflicts = conn.execute(sa.select(t.conflicts).where(t.conflicts.c.seq.in_(conflict_seqs))
                             .order_by(t.conflicts.c.seq)).mappings().all() if conflict_seqs \
        else []
    return PullResponse(
        records=[record_state(row) for row in records],
        conflicts=[_conflict_state(row) for row in conflicts],
        next_cursor=next_cursor, has_more=has_more, server_hlc=server_hlc,
    )


def _within_bytes(items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The rows that start below `MAX_PAGE_BYTES`: at least one, however large."""
    kept: list[tuple[str, Any]] = []
    total = 0
    for item in items:
        if kept and total >= MAX_PAGE_BYTES:
            break
        kept.append(item)
        total += int(item[1].size or 0)
    return kept


def _changed(table: sa.Table, sites: Sequence[str], cursor: int, top: int,
             limit: int) -> sa.Select[Any]:
    """Narrow rows (number and stored size) of the changes in the device's sites."""
    scope = t.record_scope
    in_scope = sa.exists().where(scope.c.entity == table.c.entity,
                                 scope.c.entity_id == table.c.entity_id,
                                 scope.c.site_id.in_(sites))
    sizes = ((table.c.fields, table.c.meta) if table is t.records
             else (table.c["values"], table.c.current, table.c.resolution))
    size = sum((sa.func.coalesce(sa.func.length(sa.cast(c, sa.Text)), 0) for c in sizes),
               sa.literal(0))
    return (sa.select(table.c.seq, size.label("size"))
            .where(table.c.seq > cursor, table.c.seq <= top, in_scope)
            .order_by(table.c.seq).limit(limit + 1))


def record_state(row: RowMapping | dict[str, Any]) -> RecordState:
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
