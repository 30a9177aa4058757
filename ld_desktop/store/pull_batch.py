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
from ld_desktop.store.field_versions import DEFAULT_KEY, compact, expand
from ld_desktop.store.models import SYNCED_MODELS, Case, Person, SyncedRecord
from ld_desktop.store.prepared import insert_rows, insert_stored_rows, update_rows
from ld_desktop.store.search_index import index_people
from ld_desktop.store.wire_reader import UnreadableRecord, foreign_keys, read_fields
from ld_desktop.store.wire_stored import stored_fields
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


@dataclass
class _Writes:
    """One batch's inserts and updates of one record type."""

    model: type[SyncedRecord]
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    stored: list[dict[str, Any]] = field(default_factory=list)   # new rows, already encoded


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
    reindex_people(db, outcome.reindex)
    return outcome.set_aside, outcome.applied_people


def reindex_people(db: Session, people: Iterable[uuid.UUID]) -> None:
    """Rebuild these people's search-index rows from what the store now holds: one query
    for the people, one for their cases' custody record numbers (fixed SQL, the values read
    through the columns' own result processors), one DELETE and one batch of INSERTs."""
    wanted = {pid.hex: pid for pid in people}
    if not wanted:
        return
    db.flush()   # the reads below are SQL: the ORM's changes (redirect repair's) go first
    conn = db.connection()
    person = prepared.statements_for(cast(Table, Person.__table__), conn.dialect)
    case = prepared.statements_for(cast(Table, Case.__table__), conn.dialect)
    aliases, born = person.result_processor("aliases"), person.result_processor("date_of_birth")
    found: list[tuple[uuid.UUID, _Indexed]] = []
    numbers: dict[str, list[str]] = defaultdict(list)
    for ids in _slices(sorted(wanted)):
        marks = ", ".join("?" * len(ids))
        for hex_id, given, family, also, nhs, dob in conn.exec_driver_sql(
                f"SELECT id, given_name, family_name, aliases, nhs_number, date_of_birth "
                f"FROM {person.table} WHERE id IN ({marks})", tuple(ids)):
            found.append((wanted[hex_id], _Indexed(
                given, family, also if aliases is None else aliases(also), nhs,
                dob if born is None else born(dob))))
        for hex_id, number in conn.exec_driver_sql(
                f"SELECT person_id, custody_record_number FROM {case.table} "
                f"WHERE person_id IN ({marks}) AND custody_record_number IS NOT NULL "
                "ORDER BY person_id, rowid", tuple(ids)):
            numbers[hex_id].append(number)
    index_people(db, [(pid, person_search_text(row, numbers[pid.hex])) for pid, row in found])


class _Indexed(NamedTuple):
    """What a person's index entry is built from (``person_search_text``)."""

    given_name: str
    family_name: str
    aliases: list[str] | None
    nhs_number: str | None
    date_of_birth: date | None


def _without_repeats(states: list[RecordState]) -> Iterator[list[RecordState]]:
    chunk: list[RecordState] = []
    seen: set[tuple[str, uuid.UUID]] = set()
    for state in states:
        key = (state.entity, state.entity_id)
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
    dialect = db.connection().dialect
    for state in chunk:
        model = SYNCED_MODELS.get(state.entity)
        here = None if model is None else existing[state.entity].get(state.entity_id)
        if here is None and model is not None and state.entity_id not in held:
            row = new_stored_row(model, state, dialect, held)
            if row is not None:   # else read the old way: set aside with its reason
                writes.setdefault(state.entity, _Writes(model)).stored.append(row)
                _note_new(model, state.entity_id, row, outcome)
                continue
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
        _write(db, planned)


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
    row[_VERSIONS_COLUMN] = _compact(state.versions, fields, _field_set(fields))
    row["entered_in_error"] = state.deleted
    return row


def new_stored_row(model: type[SyncedRecord], state: RecordState, dialect: Dialect,
                   held: set[uuid.UUID]) -> dict[str, Any] | None:
    """``_new_row`` with every value in its stored form, read straight from the wire
    (``wire_stored``); None where that cannot: a value or record ``read_fields`` would
    refuse, or a reference to a set-aside record (the caller then takes the old path)."""
    row = stored_fields(model, state.fields, dialect)
    if row is None:
        return None
    if held and any(row.get(name) is not None and uuid.UUID(hex=row[name]) in held
                    for name in foreign_keys(model)):
        return None
    plan = _NEW_ROWS.get(model.__entity__)
    if plan is None:
        plan = _NEW_ROWS[model.__entity__] = _NewRows(model, dialect)
    for key, default, process in plan.calls:
        if key not in row:
            value = default(None)
            row[key] = value if process is None else process(value)
    if plan.constants:
        row = {**plan.constants, **row}
    row["id"] = state.entity_id.hex
    versions = _compact(state.versions, plan.fields, plan.field_set)
    row[_VERSIONS_COLUMN] = plan.versions(versions) if plan.versions else versions
    row["entered_in_error"] = plan.deleted[state.deleted]
    return row


class _NewRows:
    """What ``new_stored_row`` needs of a model, found once: its columns' defaults (a scalar
    one's stored value; a callable with the column's bind processor, called per row), its
    synced fields, and the processors of the bookkeeping columns."""

    def __init__(self, model: type[SyncedRecord], dialect: Dialect) -> None:
        table = prepared.statements_for(cast(Table, sa_inspect(model).local_table), dialect)
        scalar = {column.key for column in _columns(model).values()
                  if column.default is not None and getattr(column.default, "is_scalar", False)}
        self.constants: dict[str, Any] = {}
        self.calls: list[tuple[str, Any, prepared.Processor]] = []
        for key, default in _defaults(model):
            process = table.bind_processor(key)
            if key in scalar:
                value = default(None)
                self.constants[key] = value if process is None else process(value)
            else:
                self.calls.append((key, default, process))
        self.fields = synced_fields(model)
        self.field_set = _field_set(self.fields)
        self.versions = table.bind_processor(_VERSIONS_COLUMN)
        deleted = table.bind_processor("entered_in_error")
        self.deleted = {flag: flag if deleted is None else deleted(flag)
                        for flag in (False, True)}


_NEW_ROWS: dict[str, _NewRows] = {}   # every store engine is SQLite (``prepared``)


def _note_new(model: type[SyncedRecord], entity_id: uuid.UUID, row: dict[str, Any],
              outcome: _Outcome) -> None:
    """``_note_index`` for a new record whose row is in its stored form."""
    if model is Person:
        outcome.applied_people.add(entity_id)
        outcome.reindex.add(entity_id)
    elif model is Case and row.get("person_id") is not None:
        outcome.reindex.add(uuid.UUID(hex=row["person_id"]))


def _compact(versions: dict[str, Any], fields: tuple[str, ...],
             in_set: frozenset[str] | None = None) -> dict[str, Any]:
    """``field_versions.compact``, with a short cut for the usual pulled state: one version
    for every field it has a version for (the same stored form, without counting). The
    checks are set operations (C loops): this runs once per pulled record."""
    if in_set is None:
        in_set = _field_set(fields)
    tokens = set(versions.values())
    if len(tokens) == 1 and None not in tokens and not in_set.isdisjoint(versions):
        stored: dict[str, Any] = {DEFAULT_KEY: tokens.pop()}
        if not in_set.issubset(versions):
            stored.update((name, None) for name in fields if name not in versions)
        if not in_set.issuperset(versions):
            stored.update((k, v) for k, v in versions.items() if k not in in_set)
        return stored
    tokens = {versions[name] for name in fields if name in versions}
    if len(tokens) != 1 or None in tokens or None in versions.values():
        return compact(versions, fields)
    stored = {DEFAULT_KEY: tokens.pop()}
    stored.update((name, None) for name in fields if name not in versions)
    stored.update((k, v) for k, v in versions.items() if k not in in_set)
    return stored


_FIELD_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def _field_set(fields: tuple[str, ...]) -> frozenset[str]:
    found = _FIELD_SETS.get(fields)
    if found is None:
        found = _FIELD_SETS[fields] = frozenset(fields)
    return found


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
    for keys, rows in _by_keys(planned.stored).items():
        insert_stored_rows(conn, table, keys, rows)
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
