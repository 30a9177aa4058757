"""New records of a pulled page as INSERT rows, a column at a time (issue 17: a first sync).

``wire_stored`` turns one record's fields into their stored form, one field after another:
about 0.25 us a field in Python, with the row then built as a dictionary, its defaults
filled and its keys sorted to group it with rows alike. A first sync is tens of thousands
of new records of a handful of types, so here the records of one type in a batch are
converted a column at a time, by C-level passes (``map`` over ``dict.get``, ``str.replace``,
a regular expression's ``fullmatch``, the JSON encoder) that check and convert every value
of the column at once, and the rows come out as tuples in one fixed column order, ready for
``executemany``.

The stored values are those of the per-record path, byte for byte
(``tests/store/test_wire_stored.py``):

* a column whose values are all of the usual shape (text, a canonical identifier, the
  server's UTC date and time, a date, lists and dicts for JSON...) is checked and converted
  at once; any other column is converted one value at a time by ``wire_stored``'s own
  converter, and a record with a value it refuses, or without a required field, comes out
  as None: the caller reads it the old way, which sets it aside with its reason;
* a field the record lacks (or null, except in a JSON column, where null is stored as JSON
  ``null``) gets its column's default, or NULL where there is none: what leaving the column
  out of the INSERT gave (a column with only an SQL default is not handled here: the model
  is refused at once, ``NewRows.for_model`` returns None);
* ``updated_at`` (and any column whose default is ``utcnow``) is the time the batch's rows
  were made, one value for the batch: the rows are written in one transaction.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import date, datetime
from itertools import repeat
from json.encoder import encode_basestring_ascii
from operator import getitem
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Date, Integer, String, Table, Uuid
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect

from ld_desktop.store import prepared
from ld_desktop.store.field_versions import DEFAULT_KEY, compact_pulled
from ld_desktop.store.models.base import SyncedRecord, UTCDateTime, utcnow
from ld_desktop.store.wire_reader import foreign_keys
from ld_desktop.store.wire_stored import CANONICAL_UUID, ISO_DATE, SERVER_UTC_TEXT, spec_for
from ld_desktop.store.wire_values import synced_fields
from sync.protocol import RecordState

Row = tuple[Any, ...]
_Column = Callable[[list[Any]], list[Any] | None]
_UNREADABLE = (ValueError, TypeError, AttributeError, OverflowError)
_ABSENT = object()   # a JSON field the record lacks (its JSON null is a value)
_STR = frozenset({str})
_DICT = frozenset({dict})
_BOOL = frozenset({bool})
_INT = frozenset({int})
_ONE = 1
_VERSIONS = "field_versions"
_NOW = object()   # the fill of a ``utcnow`` column: the batch's time
_NO_OFFSET = slice(0, 26)


def _texts(values: list[Any]) -> list[Any] | None:
    return values if _STR.issuperset(map(type, values)) else None


def _uuids(values: list[Any]) -> list[Any] | None:
    """Canonical identifiers (either case) as their 32 hex digits in lower case."""
    if not _STR.issuperset(map(type, values)) or not all(map(CANONICAL_UUID, values)):
        return None
    return list(map(str.lower, map(str.replace, values, repeat("-"), repeat(""))))


def _utc_texts(values: list[Any]) -> list[Any] | None:
    """The server's ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``, checked as a real date and time,
    stored as the same text with a space and no offset (``utc_text``'s form)."""
    if not _STR.issuperset(map(type, values)) or not all(map(SERVER_UTC_TEXT, values)):
        return None
    deque(map(datetime.fromisoformat, values), 0)   # a real date and time, or ValueError
    # the one "T" (at 10) as a space, the offset cut: ``raw[:10] + " " + raw[11:26]``
    return list(map(getitem, map(str.replace, values, repeat("T"), repeat(" ")),
                    repeat(_NO_OFFSET)))


def _dates(values: list[Any]) -> list[Any] | None:
    if not _STR.issuperset(map(type, values)) or not all(map(ISO_DATE, values)):
        return None
    deque(map(date.fromisoformat, values), 0)
    return values


def _ints(values: list[Any]) -> list[Any] | None:
    return values if _INT.issuperset(map(type, values)) else None   # bool is not int here


class _Field:
    """One synced field's column: its fast converter (a whole column, or None when some
    value is not of the usual shape), the per-value one, and what fills a record without
    it."""

    def __init__(self, name: str, fast: _Column | None, one: Callable[[Any], Any],
                 fill: Any, json_null: Any, *, is_json: bool, required: bool) -> None:
        self.name = name
        self.fast = fast
        self.one = one
        self.fill = fill
        self.json_null = json_null
        self.is_json = is_json
        self.required = required

    def column(self, fields: list[dict[str, Any]], bad: set[int], now: str) -> list[Any]:
        """The field's stored value in every record; a record whose value cannot be read
        (or that lacks a required field) goes in ``bad``."""
        if self.is_json:
            raws = list(map(dict.get, fields, repeat(self.name), repeat(_ABSENT)))
            holes = _ABSENT in raws or None in raws
        else:
            raws = list(map(dict.get, fields, repeat(self.name)))
            holes = None in raws
        if self.required and holes:   # a required JSON field's null too, as read_fields
            bad.update(i for i, raw in enumerate(raws) if raw is None or raw is _ABSENT)
        fill = now if self.fill is _NOW else self.fill
        null = self.json_null if self.is_json else fill
        if holes and raws.count(None) == len(raws):   # a field no record has a value for
            return [null] * len(raws)
        values = [raw for raw in raws if raw is not None and raw is not _ABSENT] \
            if holes else raws
        stored = None
        if self.fast is not None:
            try:
                stored = self.fast(values)
            except _UNREADABLE:
                stored = None
        if stored is None:
            return self._one_by_one(raws, bad, fill, null)
        if not holes:
            return stored
        given = iter(stored)
        return [fill if raw is _ABSENT else null if raw is None else next(given)
                for raw in raws]

    def _one_by_one(self, raws: list[Any], bad: set[int], fill: Any, null: Any
                    ) -> list[Any]:
        stored: list[Any] = []
        for i, raw in enumerate(raws):
            if raw is _ABSENT:
                stored.append(fill)
            elif raw is None:
                stored.append(null)
            else:
                try:
                    stored.append(self.one(raw))
                except _UNREADABLE:
                    bad.add(i)
                    stored.append(None)
        return stored


class NewRows:
    """A model's new rows from pulled records, a batch at a time: ``keys`` (the INSERT's
    columns, in order), ``references`` (the positions of the fields that refer to another
    record by id, in stored form) and ``rows``."""

    @classmethod
    def for_model(cls, model: type[SyncedRecord], dialect: Dialect) -> NewRows | None:
        """None where the model cannot be handled here (not SQLite, or a column whose only
        default is in SQL: leaving it out of an INSERT would not be NULL)."""
        key = (model.__entity__, type(dialect))
        if key not in _PLANS:
            try:
                _PLANS[key] = cls(model, dialect) if _handled(model, dialect) else None
            except _Unhandled:
                _PLANS[key] = None
        return _PLANS[key]

    def __init__(self, model: type[SyncedRecord], dialect: Dialect) -> None:
        table = prepared.statements_for(cast(Table, sa_inspect(model).local_table), dialect)
        columns = {c.key: c for c in sa_inspect(model).columns}
        spec = spec_for(model, dialect)
        fills = _fills(model, table)
        self.model = model
        self.fields = synced_fields(model)
        self.field_set = frozenset(self.fields)
        required = set(spec.required)
        self._fields = [
            _Field(name, _fast(columns[name].type, table.bind_processor(name)),
                   spec.convert[name], fills.get(name), spec.json.get(name),
                   is_json=name in spec.json, required=name in required)
            for name in self.fields]
        self._others = [(key, fill) for key, fill in fills.items()
                        if key not in self.field_set
                        and key not in ("id", _VERSIONS, "entered_in_error")]
        self.keys: tuple[str, ...] = (*self.fields, *(key for key, _ in self._others),
                                      "id", _VERSIONS, "entered_in_error")
        self.references = tuple(self.keys.index(name) for name in foreign_keys(model))
        self._versions = table.bind_processor(_VERSIONS)
        self._short_cut = prepared.is_json_text(self._versions)   # json.dumps' text
        self._absent: dict[frozenset[str], str] = {}
        deleted = table.bind_processor("entered_in_error")
        self._deleted = {flag: flag if deleted is None else deleted(flag)
                         for flag in (False, True)}

    def rows(self, states: Sequence[RecordState]) -> list[Row | None]:
        """Each record's row, in ``keys`` order; None for a record this cannot take (the
        caller reads it the old way: set aside with its reason)."""
        fields = [state.fields for state in states]
        if not _DICT.issuperset(map(type, fields)):
            return [None] * len(states)
        bad: set[int] = set()
        now = cast(str, prepared.utc_text(utcnow()))
        columns = [field.column(fields, bad, now) for field in self._fields]
        count = len(states)
        for _key, fill in self._others:
            columns.append([now if fill is _NOW else fill] * count)
        columns.append([state.entity_id.hex for state in states])
        columns.append(self._versions_texts([state.versions for state in states]))
        deleted = self._deleted
        columns.append([deleted[state.deleted] for state in states])
        rows: list[Row | None] = list(zip(*columns, strict=True))
        for i in bad:
            rows[i] = None
        return rows

    def _versions_texts(self, every: list[dict[str, Any]]) -> list[Any]:
        """``_versions_text`` of each record, the usual case (every record's one version,
        text, for fields of the set) checked and written by C-level passes."""
        if self._short_cut and all(map(self.field_set.issuperset, every)):
            tokens = list(map(set, map(dict.values, every)))
            if all(map(_ONE.__eq__, map(len, tokens))):
                firsts = list(map(next, map(iter, tokens)))
                if _STR.issuperset(map(type, firsts)):
                    full = len(self.fields)
                    return [f'{{"{DEFAULT_KEY}": {token}{absent}}}' for token, absent in zip(
                        map(encode_basestring_ascii, firsts),
                        ["" if len(versions) == full else self._absent_text(versions)
                         for versions in every], strict=True)]
        return list(map(self._versions_text, every))

    def _versions_text(self, versions: dict[str, Any]) -> Any:
        """The stored ``field_versions``: for the usual pulled state (one version for every
        field it has, and no other key) ``{"*": <version>}`` and a null for each field
        without one, written as ``json.dumps`` writes ``compact_pulled``'s map, without
        building it; otherwise that map, in the column's own encoding."""
        if self._short_cut and self.field_set.issuperset(versions):
            tokens = set(versions.values())
            if len(tokens) == 1:
                token = tokens.pop()
                if type(token) is str:
                    return (f'{{"{DEFAULT_KEY}": {encode_basestring_ascii(token)}'
                            f'{self._absent_text(versions)}}}')
        stored = compact_pulled(versions, self.fields, self.field_set)
        return stored if self._versions is None else self._versions(stored)

    def _absent_text(self, versions: dict[str, Any]) -> str:
        """``, "<field>": null`` for each field without a version, in field order (made
        once for each set of absent fields: a pulled page has one or two)."""
        if len(versions) == len(self.fields):
            return ""
        absent = self.field_set.difference(versions)
        text = self._absent.get(absent)
        if text is None:
            text = self._absent[absent] = "".join(
                f", {encode_basestring_ascii(name)}: null"
                for name in self.fields if name in absent)
        return text


_PLANS: dict[tuple[str, type[Dialect]], NewRows | None] = {}


def _handled(model: type[SyncedRecord], dialect: Dialect) -> bool:
    return dialect.name == "sqlite" and all(
        column.server_default is None or column.default is not None
        for column in sa_inspect(model).columns)


def _fast(column_type: object, bind: prepared.Processor) -> _Column | None:
    """The whole-column converter for values of this column type's usual shape."""
    if isinstance(column_type, UTCDateTime):
        return _utc_texts
    if isinstance(column_type, Date):
        return _dates
    if isinstance(column_type, Uuid):
        return _uuids
    if isinstance(column_type, JSON):
        return prepared.json_texts if prepared.is_json_text(bind) else None
    if bind is not None:
        if isinstance(column_type, Boolean) and _is_int_of_bool(bind):
            return lambda values: (list(map(int, values))
                                   if _BOOL.issuperset(map(type, values)) else None)
        return None
    if isinstance(column_type, Boolean):
        return None
    if isinstance(column_type, Integer):
        return _ints
    return _texts if isinstance(column_type, String) else None


def _is_int_of_bool(bind: Callable[[Any], Any]) -> bool:
    """Whether the column stores a bool as ``int`` does (1, 0), as SQLite's does."""
    return all(type(bind(flag)) is int and bind(flag) == int(flag) for flag in (True, False))


class _Unhandled(Exception):
    """A column default that cannot be made once for a batch: the model's records take the
    per-record path."""


def _fills(model: type[SyncedRecord], table: prepared.TableStatements) -> dict[str, Any]:
    """Column key -> its stored value in a row that does not give it: the default's stored
    value (a scalar; an empty list or dict, made afresh by a callable; ``_NOW`` for
    ``utcnow``), or None (NULL) for a column without a default."""
    fills: dict[str, Any] = {}
    for column in sa_inspect(model).columns:
        default = column.default
        if default is None or column.key == "id":
            continue
        arg = getattr(default, "arg", None)
        if getattr(default, "is_scalar", False):
            value = arg
        elif getattr(default, "is_callable", False) and callable(arg):
            if getattr(arg, "__wrapped__", None) is utcnow:
                fills[column.key] = _NOW
                continue
            value = arg(None)
            if type(value) not in (list, dict) or value or arg(None) is value:
                raise _Unhandled(f"{model.__entity__}.{column.key}")
        else:
            raise _Unhandled(f"{model.__entity__}.{column.key}")
        fills[column.key] = table.bind_one(column.key, value)
    return fills


def without_nulls(keys: tuple[str, ...], rows: list[Row]) -> list[tuple[tuple[str, ...],
                                                                       list[Row]]]:
    """The rows as INSERTs that leave out their NULL columns: (keys, rows) for each set of
    columns that are NULL together (nearly always one a batch). Leaving a column out stores
    the same NULL (no column given NULL here has a default, ``NewRows.for_model``), and
    costs the driver nothing, where binding a None costs sqlcipher3 ~0.8 us (measured:
    executemany of 8 columns, 6 of them None, 5.3 us a row; no None, 0.6 us)."""
    columns = list(zip(*rows, strict=True))
    if not columns:
        return []
    count = len(rows)
    given = [i for i, column in enumerate(columns) if None not in column]
    mixed = [i for i, column in enumerate(columns)
             if None in column and column.count(None) != count]
    if not mixed:
        return [(tuple(keys[i] for i in given),
                 list(zip(*(columns[i] for i in given), strict=True)))]
    groups: dict[tuple[bool, ...], list[int]] = {}
    nulls = zip(*([value is None for value in columns[i]] for i in mixed), strict=True)
    for n, pattern in enumerate(nulls):
        groups.setdefault(pattern, []).append(n)
    found = []
    for pattern, members in groups.items():
        kept = sorted([*given, *(i for i, null in zip(mixed, pattern, strict=True)
                                 if not null)])
        found.append((tuple(keys[i] for i in kept),
                      [tuple([rows[n][i] for i in kept]) for n in members]))
    return found
