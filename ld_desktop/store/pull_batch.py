"""Applying pulled records a page at a time (issue 17: a new workstation's first sync).

The page is applied as the per-record path did, record by record in server order, with the
same outcome, but its SQL is batched: one ``IN`` lookup per record type for the records
already here, then Core ``executemany`` inserts and updates grouped by the columns they
write, and one re-index of the people whose indexed fields changed.

What each record still gets on its own, in page order: strict reading
(``wire_reader.read_fields``), the quarantine of a record that cannot be read or refers to a
set-aside record (alone, never stopping the page), release from the quarantine of a record
that now reads, and the rebase of a field with a pending local op (our unsent value stays).
A record that appears twice in one batch (a quarantined record pulled again) starts a new
batch, so the second state is applied over the first as before.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import JSON, Column, Table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from ld_desktop.domain.person_search import person_search_text
from ld_desktop.store import prepared, quarantine
from ld_desktop.store.field_versions import compact_pulled as _compact
from ld_desktop.store.field_versions import expand, field_set_of
from ld_desktop.store.models import SYNCED_MODELS, Case, Person, SyncedRecord
from ld_desktop.store.new_rows import NewRows, Row, without_nulls
from ld_desktop.store.prepared import insert_rows, insert_stored_rows, update_rows
from ld_desktop.store.search_index import index_people
from ld_desktop.store.wire_reader import UnreadableRecord, foreign_keys, read_fields
from ld_desktop.store.wire_values import DELETED_FIELD, synced_fields
from sync.protocol import RecordState

Pending = dict[tuple[str, uuid.UUID], set[str]]
SetAside = list[tuple[RecordState, str]]
#: what a person's search-index row is built from (``search_index.index_people``)
PERSON_INDEXED = ("given_name", "family_name", "aliases", "nhs_number", "date_of_birth")
CASE_INDEXED = ("person_id", "custody_record_number")
_IN_CHUNK = 500    # ids per IN list, well inside SQLite's bound-parameter limit
_VERSIONS = "stored_versions"   # the attribute of the (compact) field_versions column
_VERSIONS_COLUMN = "field_versions"
_Id = TypeVar("_Id", uuid.UUID, str)


@dataclass
class _Outcome:
    set_aside: SetAside = field(default_factory=list)
    applied_people: set[uuid.UUID] = field(default_factory=set)
    reindex: set[uuid.UUID] = field(default_factory=set)
    stored_reindex: set[str] = field(default_factory=set)   # ids as stored (hex)


@dataclass
class _Writes:
    """One batch's inserts and updates of one record type."""

    model: type[SyncedRecord]
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    stored: list[Row] = field(default_factory=list)   # new rows in ``plan.keys`` order
    plan: NewRows | None = None


def apply_records(db: Session, states: list[RecordState], pending: Pending
                  ) -> tuple[SetAside, set[uuid.UUID]]:
    """Apply each record it can read (re-indexing the people whose indexed fields changed);
    set the others aside. Returns those set aside, and the people applied."""
    held = quarantine.quarantined_ids(db)
    outcome = _Outcome()
    batch = states
    while batch:
        released: set[uuid.UUID] = set()
        for chunk in _without_repeats(batch):
            _apply_chunk(db, chunk, pending, held, released, outcome)
        if not released:
            break
        # then the set-aside records that were waiting only for a record just released
        db.flush()
        batch = quarantine.held_states(db, waiting_for=released)
    db.flush()
    reindex_people(db, outcome.reindex, stored_ids=outcome.stored_reindex)
    return outcome.set_aside, outcome.applied_people


def reindex_people(db: Session, people: Iterable[uuid.UUID], *,
                   stored_ids: Iterable[str] = ()) -> None:
    """Rebuild these people's search-index rows (``people``, and those whose ids are given
    as stored: 32 hex digits) from what the store now holds: one query for the people, one
    for their cases' custody record numbers (fixed SQL, the values read through the
    columns' own result processors), one DELETE and one batch of INSERTs."""
    wanted = {pid.hex for pid in people}
    wanted.update(stored_ids)   # lower case, as stored: what the SELECT below returns
    if not wanted:
        return
    db.flush()   # the reads below are SQL: the ORM's changes (redirect repair's) go first
    dialect = prepared.dialect_of(db)
    person = prepared.statements_for(cast(Table, Person.__table__), dialect)
    case = prepared.statements_for(cast(Table, Case.__table__), dialect)
    aliases = person.result_processor("aliases") or _as_is
    born = person.result_processor("date_of_birth") or _as_is
    found: list[tuple[str, _Indexed]] = []
    numbers: dict[str, list[str]] = defaultdict(list)
    for ids in _slices(sorted(wanted)):
        marks = ", ".join("?" * len(ids))
        # on the DB-API cursor (``prepared.execute``): SQLAlchemy's result rows cost ~1 us
        # each, and a first sync re-indexes a third of its records
        for hex_id, given, family, also, nhs, dob in prepared.execute(
                db, f"SELECT id, given_name, family_name, aliases, nhs_number, date_of_birth "
                f"FROM {person.table} WHERE id IN ({marks})", ids):
            found.append((hex_id, _Indexed(
                given, family, [] if also == "[]" else aliases(also), nhs,
                _stored_date(dob, born))))
        for hex_id, number in prepared.execute(
                db, f"SELECT person_id, custody_record_number FROM {case.table} "
                f"WHERE person_id IN ({marks}) AND custody_record_number IS NOT NULL "
                "ORDER BY person_id, rowid", ids):
            numbers[hex_id].append(number)
    index_people(db, [(hex_id, person_search_text(row, numbers[hex_id]))
                      for hex_id, row in found])


def _as_is(value: Any) -> Any:
    return value


def _stored_date(text: Any, processor: Any) -> date | None:
    """A stored date (``YYYY-MM-DD``, as the column writes it) read by
    ``date.fromisoformat`` (C); anything else by the column's result processor, as before."""
    if type(text) is str and len(text) == 10 and text[4] == text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return None if text is None else cast(date | None, processor(text))


class _Indexed(NamedTuple):
    """What a person's index entry is built from (``person_search_text``)."""

    given_name: str
    family_name: str
    aliases: list[str] | None
    nhs_number: str | None
    date_of_birth: date | None


def _without_repeats(states: list[RecordState]) -> Iterator[list[RecordState]]:
    chunk: list[RecordState] = []
    seen: set[tuple[str, int]] = set()
    for state in states:
        key = (state.entity, state.entity_id.int)   # hashed in C (a UUID's hash is Python)
        if key in seen:
            yield chunk
            chunk, seen = [], set()
        chunk.append(state)
        seen.add(key)
    if chunk:
        yield chunk


def _apply_chunk(db: Session, chunk: list[RecordState], pending: Pending,
                 held: set[uuid.UUID], released: set[uuid.UUID], outcome: _Outcome) -> None:
    db.flush()   # set-aside rows the ORM holds reach the database before the Core writes
    existing = _existing(db, chunk)
    writes: dict[str, _Writes] = {}
    fresh = _new_rows(chunk, existing, held, db.connection().dialect)
    for state, new in zip(chunk, fresh, strict=True):
        model = SYNCED_MODELS.get(state.entity)
        if new is not None and not (held and _refers_to_held(new, held)):
            plan, row = new
            planned = writes.get(state.entity)
            if planned is None:
                planned = writes[state.entity] = _Writes(plan.model)
            planned.plan = plan
            planned.stored.append(row)
            if plan.model is Person:
                outcome.applied_people.add(state.entity_id)
            continue
        here = None if model is None else existing[state.entity].get(state.entity_id)
        values = read_or_set_aside(db, state, model, new=here is None, held=held,
                                   set_aside=outcome.set_aside)
        if values is None or model is None:
            continue
        planned = writes.setdefault(state.entity, _Writes(model))
        if here is None:
            planned.inserts.append(_new_row(model, state, values))
        else:
            planned.updates.append(_changed_row(model, state, values, here,
                                                pending.get((state.entity, state.entity_id))))
        _note_index(model, state.entity_id, values, here, outcome)
        if state.entity_id in held:
            db.flush()
            quarantine.release(db, state.entity, state.entity_id)
            held.discard(state.entity_id)
            released.add(state.entity_id)
    for planned in writes.values():
        _note_stored(planned, outcome)
        _write(db, planned)


_Fresh = tuple[NewRows, Row]


def _new_rows(chunk: list[RecordState], existing: dict[str, dict[uuid.UUID, Any]],
              held: set[uuid.UUID], dialect: Dialect) -> list[_Fresh | None]:
    """Each record's INSERT row in stored form (``new_rows``) where it is new here, of a
    known type, and not itself set aside; None for the others (and for a record whose
    values the batch conversion refuses), which are read the old way."""
    fresh: list[_Fresh | None] = [None] * len(chunk)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, state in enumerate(chunk):
        groups[state.entity].append(i)
    for entity, positions in groups.items():
        model = SYNCED_MODELS.get(entity)
        plan = None if model is None else NewRows.for_model(model, dialect)
        if plan is None:
            continue
        here = existing[entity]
        if here or held:
            positions = [i for i in positions if chunk[i].entity_id not in here
                         and chunk[i].entity_id not in held]
        rows = plan.rows([chunk[i] for i in positions])
        for i, row in zip(positions, rows, strict=True):
            if row is not None:
                fresh[i] = (plan, row)
    return fresh


def _refers_to_held(new: _Fresh, held: set[uuid.UUID]) -> bool:
    """Whether the new row refers to a set-aside record (it is then set aside too, by the
    old path, with its reason)."""
    plan, row = new
    return any(row[i] is not None and uuid.UUID(hex=row[i]) in held for i in plan.references)


def _note_stored(planned: _Writes, outcome: _Outcome) -> None:
    """``_note_index`` for the new rows in stored form: a new person is re-indexed, and so
    is the person of a new case (by their ids' stored text)."""
    if planned.plan is None or planned.model not in (Person, Case):
        return
    at = planned.plan.keys.index("id" if planned.model is Person else "person_id")
    outcome.stored_reindex.update(row[at] for row in planned.stored if row[at] is not None)


def read_or_set_aside(db: Session, state: RecordState, model: type[SyncedRecord] | None,
                      *, new: bool, held: set[uuid.UUID], set_aside: SetAside
                      ) -> dict[str, Any] | None:
    """A pulled record's fields, read strictly; or None once it is set aside (a type this
    version does not know, a field it cannot read, a reference to a set-aside record).
    Shared with the per-record reference path (tests/store/pull_reference.py)."""
    try:
        if model is None:   # a newer app's record type: kept until an upgrade knows it
            raise UnreadableRecord("a record type this version does not know")
        values = read_fields(model, state.fields, new=new)
        for name in foreign_keys(model):
            if values.get(name) in held:
                raise UnreadableRecord(f"{state.entity} refers to a record that is set "
                                       "aside", waits_for=values[name])
    except UnreadableRecord as exc:
        quarantine.set_aside(db, state, exc.reason, exc.waits_for)
        held.add(state.entity_id)
        set_aside.append((state, exc.reason))
        return None
    return values


def _existing(db: Session, chunk: list[RecordState]) -> dict[str, dict[uuid.UUID, Any]]:
    """The records of the chunk already here: id, stored versions and indexed fields (fixed
    SQL by the ids' stored text; the values read through the columns' result processors)."""
    wanted: dict[str, dict[str, uuid.UUID]] = defaultdict(dict)
    for state in chunk:
        wanted[state.entity][state.entity_id.hex] = state.entity_id
    found: dict[str, dict[uuid.UUID, Any]] = defaultdict(dict)
    conn = db.connection()
    for entity, ids in wanted.items():
        model = SYNCED_MODELS.get(entity)
        if model is None:
            continue
        table = prepared.statements_for(cast(Table, sa_inspect(model).local_table),
                                        conn.dialect)
        indexed = PERSON_INDEXED if model is Person else CASE_INDEXED if model is Case else ()
        columns = [_columns(model)[name] for name in (_VERSIONS, *indexed)]
        names = [column.key for column in columns]   # the versions as ``field_versions``
        processors = [table.result_processor(name) for name in names]
        picked = ", ".join(column.name for column in columns)
        for some in _slices(list(ids)):
            for hex_id, *stored in conn.exec_driver_sql(
                    f"SELECT id, {picked} FROM {table.table} "
                    f"WHERE id IN ({', '.join('?' * len(some))})", tuple(some)):
                found[entity][ids[hex_id]] = _Here(
                    {name: value if process is None else process(value)
                     for name, process, value in zip(names, processors, stored, strict=True)})
    return found


class _Here:
    """A stored record's values that applying a pulled state needs, as attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _new_row(model: type[SyncedRecord], state: RecordState, values: dict[str, Any]
             ) -> dict[str, Any]:
    """The INSERT's values, as the ORM would write them: a column left out (or a non-JSON
    one pulled as null) gets its default, a JSON null is stored as JSON null."""
    json_columns = _json_columns(model)
    row = dict(values)   # synced fields are named as their columns (``_columns``)
    for name in [name for name, value in values.items()
                 if value is None and name not in json_columns]:
        del row[name]
    for key, default in _defaults(model):
        if key not in row:
            row[key] = default(None)
    row["id"] = state.entity_id
    fields = synced_fields(model)
    row[_VERSIONS_COLUMN] = _compact(state.versions, fields, field_set_of(fields))
    row["entered_in_error"] = state.deleted
    return row


def _changed_row(model: type[SyncedRecord], state: RecordState, values: dict[str, Any],
                 here: Any, pending: set[str] | None) -> dict[str, Any]:
    """The UPDATE's values: pulled fields over ours, except those with a pending local op
    (rebase: our unsent change stays and will meet this one at the server)."""
    pending = pending or set()
    columns = _columns(model)
    fields = synced_fields(model)
    versions = expand(getattr(here, columns[_VERSIONS].key) or {}, fields)
    row: dict[str, Any] = {}
    for name, value in values.items():
        if name in pending:
            continue
        row[columns[name].key] = value
        if name in state.versions:
            versions[name] = state.versions[name]
    if DELETED_FIELD not in pending:
        row[columns["entered_in_error"].key] = state.deleted
        if DELETED_FIELD in state.versions:
            versions[DELETED_FIELD] = state.versions[DELETED_FIELD]
    row[columns[_VERSIONS].key] = _compact(versions, fields)
    row["id"] = state.entity_id
    return row


def _note_index(model: type[SyncedRecord], entity_id: uuid.UUID, values: dict[str, Any],
                here: Any, outcome: _Outcome) -> None:
    """Who to re-index: a new person, or one whose indexed fields changed; the people a new
    case belongs to, or whose cases' number or person changed."""
    if model is Person:
        outcome.applied_people.add(entity_id)
        if here is None or any(name in values and values[name] != getattr(here, name)
                               for name in PERSON_INDEXED):
            outcome.reindex.add(entity_id)
    elif model is Case:
        if here is None:
            if values.get("person_id") is not None:
                outcome.reindex.add(values["person_id"])
        elif any(name in values and values[name] != getattr(here, name)
                 for name in CASE_INDEXED):
            outcome.reindex.update(p for p in (here.person_id, values.get("person_id"))
                                   if p is not None)


def _write(db: Session, planned: _Writes) -> None:
    table = cast(Table, sa_inspect(planned.model).local_table)
    conn = db.connection()
    for keys, rows in _by_keys(planned.inserts).items():
        insert_rows(conn, table, keys, rows)
    if planned.plan is not None:
        for stored_keys, stored in without_nulls(planned.plan.keys, planned.stored):
            insert_stored_rows(conn, table, stored_keys, stored)
    for keys, rows in _by_keys(planned.updates).items():
        update_rows(conn, table, keys, rows)


def _by_keys(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """executemany needs the same parameters in every row: group rows by the columns they
    set (nearly always one group a page)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    return groups


def _slices(ids: list[_Id]) -> Iterator[list[_Id]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start:start + _IN_CHUNK]


_COLUMNS: dict[str, dict[str, Column[Any]]] = {}
_DEFAULTS: dict[str, list[tuple[str, Any]]] = {}
_JSON: dict[str, frozenset[str]] = {}


def _columns(model: type[SyncedRecord]) -> dict[str, Column[Any]]:
    """Mapped attribute name -> table column (``stored_versions`` is ``field_versions``)."""
    found = _COLUMNS.get(model.__entity__)
    if found is None:
        found = {key: cast(Column[Any], column)
                 for key, column in sa_inspect(model).columns.items()}
        # rows are built from the synced fields as they are: their columns must share names
        assert all(found[name].key == name for name in synced_fields(model)), model
        _COLUMNS[model.__entity__] = found
    return found


def _defaults(model: type[SyncedRecord]) -> list[tuple[str, Any]]:
    """(Column key, a callable of the execution context (None here) giving the column's
    Python-side default) for each column with one, as the ORM fires it at INSERT for an
    attribute it was not given."""
    found = _DEFAULTS.get(model.__entity__)
    if found is None:
        found = []
        for name, column in _columns(model).items():
            default = column.default
            if default is None or name == "id":
                continue
            arg = getattr(default, "arg", None)
            if getattr(default, "is_callable", False) and callable(arg):
                found.append((column.key, arg))   # SQLAlchemy's wrapper: arg(context)
            elif getattr(default, "is_scalar", False):
                found.append((column.key, lambda _context, arg=arg: arg))
        _DEFAULTS[model.__entity__] = found
    return found


def _json_columns(model: type[SyncedRecord]) -> frozenset[str]:
    found = _JSON.get(model.__entity__)
    if found is None:
        found = frozenset(key for key, column in _columns(model).items()
                          if isinstance(column.type, JSON))
        _JSON[model.__entity__] = found
    return found
