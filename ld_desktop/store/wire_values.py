"""Converting mapped column values to and from the JSON values that sync carries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.types import Date, Uuid

from ld_desktop.store.models.base import SyncedRecord, UTCDateTime

DELETED_FIELD = "_deleted"
_NOT_SYNCED = frozenset({"id", "field_versions", "stored_versions", "updated_at",
                         "entered_in_error"})


_FIELDS: dict[str, tuple[str, ...]] = {}
_KINDS: dict[str, dict[str, str]] = {}


def synced_fields(model: type[SyncedRecord]) -> tuple[str, ...]:
    fields = _FIELDS.get(model.__entity__)
    if fields is None:
        fields = tuple(
            c.key
            for c in sa_inspect(model).columns
            if c.key not in _NOT_SYNCED and c.key not in model.__local_fields__
        )
        _FIELDS[model.__entity__] = fields
    return fields


def _column_kinds(model: type[SyncedRecord]) -> dict[str, str]:
    cached = _KINDS.get(model.__entity__)
    if cached is not None:
        return cached
    kinds: dict[str, str] = {}
    for column in sa_inspect(model).columns:
        if isinstance(column.type, UTCDateTime):
            kinds[column.key] = "datetime"
        elif isinstance(column.type, Date):
            kinds[column.key] = "date"
        elif isinstance(column.type, Uuid):
            kinds[column.key] = "uuid"
    _KINDS[model.__entity__] = kinds
    return kinds


def to_wire(model: type[SyncedRecord], field: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def from_wire(model: type[SyncedRecord], field: str, value: Any) -> Any:
    if value is None:
        return None
    kind = _column_kinds(model).get(field)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "uuid":
        return uuid.UUID(value)
    return value


def record_fields(record: SyncedRecord) -> dict[str, Any]:
    model = type(record)
    return {f: to_wire(model, f, getattr(record, f)) for f in synced_fields(model)}


def apply_column_defaults(record: SyncedRecord) -> None:
    """Fill unset attributes with their column defaults now, not at INSERT time, so the op
    that creates a record carries every value the row will hold."""
    for column in sa_inspect(type(record)).columns:
        default = column.default
        if default is None or getattr(record, column.key) is not None:
            continue
        arg = getattr(default, "arg", None)
        if getattr(default, "is_callable", False) and callable(arg):
            setattr(record, column.key, arg(None))
        elif getattr(default, "is_scalar", False):
            setattr(record, column.key, arg)
