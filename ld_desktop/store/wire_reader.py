"""Reading a pulled record's fields strictly, before any of them touches the database.

A value this version cannot read (a date that is not a date, text where a number belongs, a
required field missing) raises ``UnreadableRecord`` naming the field and what was expected,
never the value itself: the reason is shown and logged, and values may be personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, Uuid
from sqlalchemy import inspect as sa_inspect

from ld_desktop.store.models.base import SyncedRecord, UTCDateTime
from ld_desktop.store.wire_values import synced_fields


class UnreadableRecord(ValueError):
    """A pulled record this version of the app cannot apply; ``reason`` holds no values."""

    def __init__(self, reason: str, waits_for: uuid.UUID | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.waits_for = waits_for   # set aside because it refers to this set-aside record


def _read_datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive datetime")
    return parsed


def _read_date(value: Any) -> date:
    return date.fromisoformat(value)


def _read_uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(value)


def _read_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _read_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not a whole number")
    return value


def _read_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)


def _read_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not true or false")
    return value


def _read_json(value: Any) -> Any:
    return value


_Reader = tuple[str, Callable[[Any], Any]]
_READERS: dict[str, dict[str, _Reader]] = {}
_REQUIRED: dict[str, tuple[str, ...]] = {}


def _reader_for(column_type: object) -> _Reader:
    # Order matters: UTCDateTime before anything generic; Boolean is not an Integer here.
    if isinstance(column_type, UTCDateTime):
        return "date and time", _read_datetime
    if isinstance(column_type, Date):
        return "date", _read_date
    if isinstance(column_type, Uuid):
        return "identifier", _read_uuid
    if isinstance(column_type, Boolean):
        return "true or false", _read_bool
    if isinstance(column_type, Integer):
        return "whole number", _read_int
    if isinstance(column_type, Float):
        return "number", _read_number
    if isinstance(column_type, String):
        return "text", _read_text
    if isinstance(column_type, JSON):
        return "structured value", _read_json
    return "value", _read_json


def _readers(model: type[SyncedRecord]) -> dict[str, _Reader]:
    found = _READERS.get(model.__entity__)
    if found is None:
        columns = {c.key: c for c in sa_inspect(model).columns}
        found = {name: _reader_for(columns[name].type) for name in synced_fields(model)}
        _READERS[model.__entity__] = found
        _REQUIRED[model.__entity__] = tuple(
            name for name in synced_fields(model)
            if not columns[name].nullable and columns[name].default is None
            and columns[name].server_default is None)
    return found


def field_reader(model: type[SyncedRecord], name: str) -> Callable[[Any], Any]:
    """The function ``read_fields`` reads this synced field's wire value with."""
    return _readers(model)[name][1]


def required_fields(model: type[SyncedRecord]) -> tuple[str, ...]:
    """The synced fields a new record must have (not null, no default)."""
    _readers(model)
    return _REQUIRED[model.__entity__]


def is_text_reader(read: Callable[[Any], Any]) -> bool:
    return read is _read_text


def is_json_reader(read: Callable[[Any], Any]) -> bool:
    """The reader that takes any value as it is (structured values)."""
    return read is _read_json


def read_fields(model: type[SyncedRecord], fields: Mapping[str, Any], *,
                new: bool) -> dict[str, Any]:
    """The fields this version knows, converted to column values. Unknown fields (a newer
    version's) are left out, as before. ``new``: the record does not exist here yet, so every
    required field must be present."""
    readers = _readers(model)
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        reader = readers.get(name)
        if reader is None:
            continue
        read = reader[1]
        # the usual cases inline (once per field of every pulled record): null, text, JSON
        if raw is None or read is _read_json or (read is _read_text and type(raw) is str):
            values[name] = raw
            continue
        try:
            values[name] = read(raw)
        except (ValueError, TypeError, AttributeError, OverflowError):
            raise UnreadableRecord(
                f"{model.__entity__}.{name} is not a readable {reader[0]}") from None
    required = _REQUIRED[model.__entity__]
    # one C-level pass over the required fields; the names only for a record that lacks one
    if None not in map(values.get, required):
        return values
    missing = sorted(n for n in required
                     if (values.get(n) is None if new else n in values and values[n] is None))
    if missing:
        raise UnreadableRecord(f"{model.__entity__} lacks required {', '.join(missing)}")
    return values


_FOREIGN_KEYS: dict[str, tuple[str, ...]] = {}


def foreign_keys(model: type[SyncedRecord]) -> tuple[str, ...]:
    """The fields that refer to another record by id (cases to people, notes to cases...)."""
    found = _FOREIGN_KEYS.get(model.__entity__)
    if found is None:
        found = tuple(c.key for c in sa_inspect(model).columns
                      if c.foreign_keys and c.key in synced_fields(model))
        _FOREIGN_KEYS[model.__entity__] = found
    return found
