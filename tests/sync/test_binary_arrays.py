"""Array parameters go to PostgreSQL in binary (issue 17: psycopg's text array literals were
27 % of a push's time in the server process), and a push writes exactly the rows it wrote
when they went as text: the same values, the same JSON text, the same numbers, for the
awkward text of `test_awkward_text` and for the characters an array literal must quote.
Since 30/11/2026 a push's rows travel as one JSON text per table (`batch_sql`): they must
write what SQLAlchemy's plain executemany of the same rows writes: the same values, and JSON
that decodes to the same values (encoded by pydantic-core, compact, not by `json`). The
push's own short lists (lock keys, the keys it reads) go as array text made by
`int_array` and `text_array` since 30/11/2026 evening: they must come back unchanged."""

from __future__ import annotations

import itertools
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import truncate_all
from psycopg import pq
from psycopg.adapt import PyFormat
from psycopg.types.array import ListDumper

from sync.memory_replica import MemoryReplica
from sync.protocol import Op, OpStatus
from sync.server import merge, push_store, seq_reservations
from sync.server import schema as t
from sync.server.batch_sql import PgText, WriteBatch, int_array, text_array
from sync.server.database import make_engine, migrate

SITE, OTHER = "site-a", "site {b}, \"quoted\" \\ NULL"
QUOTED_IN_ARRAY_LITERALS = ["{a,b}", '"quoted"', "back\\slash", "NULL", "null", "", " spaced ",
                            "tab\there", "ideographic\u3000space", "comma, then"]
AWKWARD = {"pasted": "custody\x00 note", "surrogate": "half \ud800 pair", "emoji": "calm 😀",
           "nested": {"k\x00ey": ["\x00", None, 1.5], "ok": {"deep": "à"}}}

pytestmark = pytest.mark.postgres


def test_lists_are_sent_in_binary(fresh_postgres: str) -> None:
    engine = make_engine(fresh_postgres)
    try:
        with engine.connect() as conn:
            adapters = conn.connection.driver_connection.adapters  # type: ignore[union-attr]
            assert adapters.get_dumper(list, PyFormat.AUTO).format is pq.Format.BINARY
    finally:
        engine.dispose()


def test_a_push_s_lists_as_array_text_come_back_as_they_were(fresh_postgres: str) -> None:
    """The push's own lists (lock keys, the keys and ids it reads) go as array text made
    by `int_array` and `text_array` (issue 17: half the CPU of the binary dumper); every
    character an array literal must quote comes back as it was."""
    texts = [*QUOTED_IN_ARRAY_LITERALS, "back\\\\two", '\\"', "", "à 😀", "{", "}", ","]
    numbers = [0, -1, 2**63 - 1, -(2**63), 42]
    engine = make_engine(fresh_postgres)
    try:
        with engine.connect() as conn:
            row = PgText("SELECT CAST(:t AS text[]) AS texts, CAST(:n AS bigint[]) AS numbers"
                         ).one(conn, {"t": text_array(texts), "n": int_array(numbers)})
            [[empty]] = PgText("SELECT CAST(:t AS text[])").rows(conn, {"t": text_array([])})
    finally:
        engine.dispose()
    assert row.texts == texts
    assert row.numbers == numbers
    assert empty == []


def _ops() -> list[list[tuple[str, frozenset[str], list[Op]]]]:
    """Pushes in order: new records (every awkward value), then two devices editing the same
    fields from the same version (conflicts, updates of stored rows and scope), a delete."""
    first, second = MemoryReplica("dev-1"), MemoryReplica("dev-2")
    ids = [uuid.uuid4() for _ in range(len(QUOTED_IN_ARRAY_LITERALS) + len(AWKWARD))]
    values: list[Any] = [*QUOTED_IN_ARRAY_LITERALS, *AWKWARD.values()]
    for n, (record_id, value) in enumerate(zip(ids, values, strict=True)):
        first.upsert("case", record_id, {"value": value, "n": n},
                     sites=[SITE] if n % 2 else [SITE, OTHER])
    pushes = [[("dev-1", frozenset({SITE, OTHER}), first.pending_ops(100))]]
    for record_id in ids[:6]:
        first.upsert("case", record_id, {"value": "first's edit"}, sites=[SITE])
        second.upsert("case", record_id, {"value": "second's edit", "extra": "{x}"},
                      sites=[SITE, OTHER])
    second.delete("case", ids[-1], sites=[SITE])
    pushes.append([("dev-1", frozenset({SITE}), first.pending_ops(100)),
                   ("dev-2", frozenset({SITE, OTHER}), second.pending_ops(100))])
    return pushes


_KEYS = {"records": "entity, entity_id", "record_scope": "entity, entity_id, site_id",
         "conflicts": "seq", "ops": "server_seq", "counter": "id", "seq_reservations": "id"}


def _rows(engine: sa.Engine) -> dict[str, list[str]]:
    """Every row as PostgreSQL prints it (JSON exactly as stored), but the time received."""
    found = {}
    with engine.connect() as conn:
        for name, order in _KEYS.items():
            columns = ", ".join(f'"{c.name}"' for c in t.metadata.tables[name].columns
                                if c.name != "received_at")
            found[name] = list(conn.execute(sa.text(
                f"SELECT ROW({columns})::text FROM {name} ORDER BY {order}")).scalars())
    return found


SQL_NULL = "SQL NULL"


def _decoded_rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row with its JSON columns decoded (SQL NULL apart from JSON null), but the
    time received."""
    found = {}
    with engine.connect() as conn:
        for name, order in _KEYS.items():
            columns = [c for c in t.metadata.tables[name].columns if c.name != "received_at"]
            listed = ", ".join(f'"{c.name}"::text' for c in columns)
            found[name] = [
                tuple((SQL_NULL if value is None else json.loads(value))
                      if isinstance(column.type, sa.JSON) else value
                      for column, value in zip(columns, row, strict=True))
                for row in conn.execute(sa.text(f"SELECT {listed} FROM {name} ORDER BY {order}"))]
    return found


def _push_all(url: str, *, as_text: bool, monkeypatch: pytest.MonkeyPatch,
              row_by_row: bool = False, decoded: bool = False) -> dict[str, list[Any]]:
    truncate_all(url)
    numbers = itertools.count()
    monkeypatch.setattr(merge, "uuid", SimpleNamespace(
        uuid4=lambda: uuid.UUID(int=next(numbers))))   # the same conflict ids in both runs
    engine = make_engine(url)
    if row_by_row:                  # the reference: each table's rows as an executemany
        def publish(conn: sa.Connection, reservation: Any, writes: WriteBatch) -> None:
            writes.run(conn)
            seq_reservations.discard(conn, reservation)
        monkeypatch.setattr(seq_reservations, "publish", publish)
    if as_text:                                        # the path before issue 17
        @sa.event.listens_for(engine, "connect")
        def _text_lists(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.adapters.register_dumper(list, ListDumper)
    try:
        migrate(engine)
        for pushes in PUSHES:
            for device, sites, ops in pushes:
                results = push_store.push_ops(engine, device, sites, ops)
                assert OpStatus.REJECTED not in {r.status for r in results}
        return _decoded_rows(engine) if decoded else _rows(engine)
    finally:
        engine.dispose()


PUSHES = _ops()


def test_binary_arrays_write_the_same_rows_as_text_arrays(
        fresh_postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    as_text = _push_all(fresh_postgres, as_text=True, monkeypatch=monkeypatch)
    in_binary = _push_all(fresh_postgres, as_text=False, monkeypatch=monkeypatch)
    assert len(as_text["records"]) == len(QUOTED_IN_ARRAY_LITERALS) + len(AWKWARD)
    assert as_text["conflicts"], "the scenario makes conflicts"
    assert len(as_text["record_scope"]) > len(as_text["records"])
    assert in_binary == as_text


def test_rows_as_json_write_what_executemany_writes(
        fresh_postgres: str, monkeypatch: pytest.MonkeyPatch) -> None:
    as_json = _push_all(fresh_postgres, as_text=False, monkeypatch=monkeypatch, decoded=True)
    reference = _push_all(fresh_postgres, as_text=False, monkeypatch=monkeypatch,
                          row_by_row=True, decoded=True)
    assert len(reference["records"]) == len(QUOTED_IN_ARRAY_LITERALS) + len(AWKWARD)
    assert reference["conflicts"]
    assert reference["ops"]
    # the one difference: executemany stores a None resolution (the last column) as JSON
    # null, the one-statement writer as SQL NULL, as it always has
    reference["conflicts"] = [(*row[:-1], SQL_NULL) if row[-1] is None else row
                              for row in reference["conflicts"]]
    assert as_json == reference
