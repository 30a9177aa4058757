"""Pull: records and conflicts changed after a cursor, limited to the device's sites.

The watermark is read first: every sequence number at or below it is committed or was never
used (`seq_reservations`), so a page never skips an open transaction's changes. A record
changed again later reappears under its newer number.

On PostgreSQL a page is one statement and leaves the database as JSON text in the wire shape
(`PullResponse`): each record's wire JSON was stored when a push wrote it (`records.body`,
see `record_body.py`), so PostgreSQL only puts the number in front and joins the texts, and
the server process never decodes a record nor handles a row per record. It
starts from the scope rows of the device's sites after the cursor (each carries its
record's own number, `record_seq`, indexed by site and number), picks the page's records
among them by those numbers and reads only those, so its cost follows the page, not every
change since the cursor nor the number of sites. On SQLite the rows are decoded and the
page is built with the protocol's models.
"""

from __future__ import annotations

import json
import logging
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

log = logging.getLogger(__name__)


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
WITH given AS MATERIALIZED (
    -- the parameters, out of the planner's sight: see `_page_from_postgres`
    SELECT CAST(:cursor AS bigint) AS after, CAST(:sites AS text[]) AS sites,
           CAST(:over AS bigint) AS over, CAST(:limit AS bigint) AS shown,
           CAST(:max_bytes AS bigint) AS max_bytes
), top AS ({seq_reservations.WATERMARK}), chosen AS (
    -- per site, the first scope rows after the cursor by their records' numbers (the
    -- index on (site_id, record_seq); record_seq is records.seq, written with it), and of
    -- their union the first, a record in several of the sites once: the page's records
    SELECT DISTINCT k.record_seq, k.entity, k.entity_id
    FROM unnest((SELECT sites FROM given)) AS site(id) CROSS JOIN LATERAL (
        SELECT s.record_seq, s.entity, s.entity_id FROM record_scope AS s, top
        WHERE s.site_id = site.id AND s.record_seq > (SELECT after FROM given)
          AND s.record_seq <= top.value
        ORDER BY s.record_seq LIMIT (SELECT over FROM given)) AS k
    ORDER BY k.record_seq LIMIT (SELECT over FROM given)
), changed_records AS (
    -- only those records read, each by its number (a bigint index, cheaper to walk than
    -- the text primary key). `stale`: no record, or another record, has the number a scope
    -- row gave, so the page is built without trusting record_seq (`_page_from_postgres`).
    -- octet_length reads a stored value's length without decompressing it
    SELECT k.record_seq AS seq, NULL::text AS id, r.size, r.body,
           r.entity IS DISTINCT FROM k.entity OR r.entity_id IS DISTINCT FROM k.entity_id
               AS stale
    FROM chosen AS k LEFT JOIN LATERAL (
        SELECT r.entity, r.entity_id, r.body,
               octet_length(r.fields::text) + octet_length(r.meta::text) AS size
        FROM records AS r WHERE r.seq = k.record_seq
    ) AS r ON true
), changed_conflicts AS (
    -- conflicts in order after the cursor (few), each kept if its record is in the sites
    SELECT c.seq, c.id,
           octet_length(c."values"::text) + COALESCE(octet_length(c."current"::text), 0)
           + COALESCE(octet_length(c.resolution::text), 0) AS size, NULL::text AS body,
           false AS stale
    FROM conflicts AS c, top
    WHERE c.seq > (SELECT after FROM given) AND c.seq <= top.value
      AND EXISTS (SELECT 1 FROM record_scope AS s
                  WHERE s.entity = c.entity AND s.entity_id = c.entity_id
                    AND s.site_id = ANY(CAST((SELECT sites FROM given) AS text[])))
    ORDER BY c.seq LIMIT (SELECT over FROM given)
), page AS (
    -- `kept`: the row starts below the bytes bound (every row up to the first that does
    -- not: sizes are never negative); `first`: among the first `limit`. The page shows
    -- the rows that are both; one more says "has more"
    SELECT u.*, SUM(size) OVER (ORDER BY seq) - size < (SELECT max_bytes FROM given) AS kept,
           row_number() OVER (ORDER BY seq) <= (SELECT shown FROM given) AS first
    FROM (SELECT * FROM changed_records UNION ALL SELECT * FROM changed_conflicts
          ORDER BY seq LIMIT (SELECT over FROM given)) AS u
)
-- each record's stored body with its number put in front: its first character, "{{", is
-- cut off as bytes (convert_to, then back) because substr() counts every character of
-- a body in a multibyte encoding (0.4-0.7 µs a record)
SELECT (SELECT value FROM top) AS top,
       (SELECT EXTRACT(EPOCH FROM now() - min(created_at))::bigint
        FROM seq_reservations) AS held_back_s,
       COALESCE(bool_or(stale), false) AS stale,
       count(*) FILTER (WHERE kept) > (SELECT shown FROM given)
           OR COALESCE(bool_or(NOT kept), false) AS has_more,
       max(seq) FILTER (WHERE kept AND first) AS last_seq,
       COALESCE(string_agg(
           '{{"seq":' || seq || ','
           || convert_from(substring(convert_to(body, 'UTF8') FROM 2), 'UTF8'),
           ',' ORDER BY seq) FILTER (WHERE kept AND first AND body IS NOT NULL), '')
           AS records,
       COALESCE((SELECT string_agg(c.doc, ',' ORDER BY p.seq)
                 FROM page AS p CROSS JOIN LATERAL (   -- by primary key, never a hash of all
                     SELECT json_build_object(
                         'conflict_id', c.id, 'seq', c.seq, 'entity', c.entity,
                         'entity_id', c.entity_id, 'field', c.field, 'values', c."values",
                         'current', c."current", 'status', c.status,
                         'resolution', c.resolution)::text AS doc
                     FROM conflicts AS c WHERE c.id = p.id LIMIT 1) AS c
                 WHERE p.kept AND p.first AND p.id IS NOT NULL), '') AS conflicts
FROM page
""")





def _page_from_postgres(conn: Connection, sites: list[str], cursor: int, limit: int,
                        server_hlc: str) -> bytes:
    """The page in one statement: PostgreSQL joins the stored record bodies (`records.body`)
    into the two lists, so the server handles a handful of values, not a row per record.

    psycopg prepares the statement on a connection's fifth use; PostgreSQL then plans it
    anew for every call (0.4-0.8 ms) as long as the plans for the values given look
    cheaper than one plan for any values, which they do for the small pages of a burst.
    The values reach the statement through `given`, which the planner cannot see into, so
    after five calls each connection keeps one plan (its shape is fixed by the LATERAL
    joins and limits anyway): an empty page costs PostgreSQL 0.1 ms, not 0.6 ms."""
    page = conn.execute(_PAGE, {"cursor": cursor, "sites": sites, "over": limit + 1,
                                "limit": limit, "max_bytes": MAX_PAGE_BYTES}).one()
    if page.held_back_s is not None and page.held_back_s > seq_reservations.HELD_BACK_S:
        seq_reservations.remove_abandoned(conn)     # for the next page: this one is read
    if cursor > page.top:
        return _cursor_reset(server_hlc).model_dump_json().encode()
    if page.stale:
        return _page_without_record_seq(conn, sites, cursor, limit, server_hlc)
    next_cursor = int(page.last_seq) if page.has_more else int(page.top)
    return (f'{{"records":[{page.records}],"conflicts":[{page.conflicts}],'
            f'"next_cursor":{next_cursor},"has_more":{json.dumps(page.has_more)},'
            f'"server_hlc":{json.dumps(server_hlc)},"cursor_reset":false}}').encode()


def _page_without_record_seq(conn: Connection, sites: list[str], cursor: int, limit: int,
                             server_hlc: str) -> bytes:
    """The page as SQLite builds it, from the records' own numbers, when a scope row's
    `record_seq` is not its record's number (every write keeps them equal): trusted, such a
    row would put its record out of order or out of sight, or show another site's record
    in its place. Read in one snapshot; then the sites' scope rows after the cursor are
    mended (`_MEND`) for the next pages, chosen by record_seq again. A wrong number at or
    below a puller's cursor is beyond this guard; migration 0010's trigger moves scope rows
    with their record's number, so a write to `records` cannot leave one behind."""
    conn.rollback()          # nothing to undo (autocommit): ends SQLAlchemy's autobegun one
    conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with conn.begin():
        page = wire_json(_page_from_rows(conn, sites, cursor, limit, server_hlc)).encode()
    conn.execution_options(isolation_level="AUTOCOMMIT", postgresql_readonly=False)
    mended = conn.execute(_MEND, {"sites": sites, "cursor": cursor}).scalar_one()
    log.error("record_scope.record_seq was not its record's number: a page was built from "
              "the records instead, and %d scope rows were mended", mended)
    return page


#: the scope rows of these sites after the cursor whose record_seq is not their record's
#: number (0 without a record) are given it, unless a push changed them meanwhile (it
#: writes the record and its scope rows together: the row then no longer holds `was`)
_MEND = sa.text("""
WITH wrong AS (
    SELECT s.entity, s.entity_id, s.site_id, s.record_seq AS was, COALESCE(r.seq, 0) AS seq
    FROM record_scope AS s LEFT JOIN records AS r
        ON r.entity = s.entity AND r.entity_id = s.entity_id
    WHERE s.site_id = ANY(CAST(:sites AS text[])) AND s.record_seq > :cursor
      AND s.record_seq <> COALESCE(r.seq, 0)
), mended AS (
    UPDATE record_scope AS s SET record_seq = wrong.seq FROM wrong
    WHERE s.entity = wrong.entity AND s.entity_id = wrong.entity_id
      AND s.site_id = wrong.site_id AND s.record_seq = wrong.was
    RETURNING 1
)
SELECT count(*) FROM mended
""")


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
