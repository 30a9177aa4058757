"""A pulled record's fields straight to the values SQLite stores (issue 17: a first sync).

``wire_reader.read_fields`` reads a wire value into a Python value (``uuid.UUID``, an aware
``datetime``...) and ``prepared`` encodes it again for SQLite (32 hex digits, naive UTC
text...). A new record of a pulled page needs only the stored form, so here each field goes
from the wire to it in one step, through the same checks:

* an identifier in its canonical form (8-4-4-4-12 hex digits, either case) is stored as its
  hex digits in lower case, without building a ``uuid.UUID``;
* a date and time in the form the server sends (``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``) is
  checked by ``datetime.fromisoformat`` (a real date and time) and stored as the same text
  with a space and no offset, without converting it to UTC;
* a date (``YYYY-MM-DD``, checked by ``date.fromisoformat``) is stored as it came;
* anything else, the read and the encoding as they were (``read_fields``, then the column's
  bind processor).

These are the per-field converters (``spec_for``); ``new_rows`` runs them a column at a
time. Nothing is accepted that ``read_fields`` refuses: a value a converter cannot take
raises, a required field missing is seen by ``new_rows``, and that record is then applied
the old way, which refuses it with its reason. ``tests/store/test_wire_stored.py`` holds
both paths to the same stored bytes over generated records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Uuid
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect

from ld_desktop.store.models.base import SyncedRecord, UTCDateTime
from ld_desktop.store.prepared import bind_processor
from ld_desktop.store.wire_reader import (
    field_reader,
    is_json_reader,
    is_text_reader,
    required_fields,
)
from ld_desktop.store.wire_values import synced_fields

_Convert = Callable[[Any], Any]
#: the shapes the server sends (shared with ``new_rows``): an identifier in canonical form
#: (either case), a UTC date and time with microseconds, a date
CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                            r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch
SERVER_UTC_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                             r"\.[0-9]{6}\+00:00").fullmatch
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch
_parse_datetime = datetime.fromisoformat
_parse_date = date.fromisoformat


class _Spec:
    """One model's converters (field -> wire value to stored value), its JSON fields (a
    JSON null is stored as ``null``) and its required fields."""

    def __init__(self, model: type[SyncedRecord], dialect: Dialect) -> None:
        columns = {c.key: c for c in sa_inspect(model).columns}
        self.convert: dict[str, _Convert] = {}
        self.json: dict[str, Any] = {}
        self.text: set[str] = set()   # text, stored as it came (no bind processor)
        for name in synced_fields(model):
            column_type = columns[name].type
            read, bind = field_reader(model, name), bind_processor(column_type, dialect)
            if is_text_reader(read) and bind is None:
                self.text.add(name)
            slow = _slow(read, bind)
            self.convert[name] = _fast(column_type, slow)
            if isinstance(column_type, JSON):
                self.json[name] = slow(None)
        self.required = required_fields(model)


def _slow(read: _Convert, bind: _Convert | None) -> _Convert:
    """``read_fields``' reader, then the column's bind processor."""
    if bind is None:
        return read
    if is_json_reader(read):   # any value as it is: only the encoding
        return bind
    return lambda raw: bind(read(raw))


def _fast(column_type: object, slow: _Convert) -> _Convert:
    if isinstance(column_type, UTCDateTime):
        def stored_datetime(raw: Any) -> Any:
            if type(raw) is str and SERVER_UTC_TEXT(raw):
                _parse_datetime(raw)   # a real date and time, or ValueError
                return f"{raw[:10]} {raw[11:26]}"
            return slow(raw)
        return stored_datetime
    if isinstance(column_type, Date):
        def stored_date(raw: Any) -> Any:
            if type(raw) is str and ISO_DATE(raw):
                _parse_date(raw)
                return raw
            return slow(raw)
        return stored_date
    if isinstance(column_type, Uuid):
        def stored_uuid(raw: Any) -> Any:
            if type(raw) is str and CANONICAL_UUID(raw):
                return raw.replace("-", "").lower()
            return slow(raw)
        return stored_uuid
    return slow


_SPECS: dict[tuple[str, type[Dialect]], _Spec] = {}


def spec_for(model: type[SyncedRecord], dialect: Dialect) -> _Spec:
    """The model's converters for this dialect (built once)."""
    key = (model.__entity__, type(dialect))
    spec = _SPECS.get(key)
    if spec is None:
        spec = _SPECS[key] = _Spec(model, dialect)
    return spec
