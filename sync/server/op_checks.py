"""What every op must be before the merge sees it: a well-formed clock (brought back to at
most `MAX_CLOCK_AHEAD_MS` ahead of the server's), at most `MAX_OP_BYTES` of fields with no
non-finite number (NaN, infinity), and
fields that fit the schema the app publishes (`resources/sync-schema.json`, loaded from a
path: this package never imports the app). A failing op is refused alone, with the reason;
the workstation keeps it queued and shows it."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sync.protocol import DELETED_FIELD, MAX_CLOCK_AHEAD_MS, MAX_INT, MAX_OP_BYTES, Op, OpKind

RESOLVE_ENTITY = "conflict"
_HLC = re.compile(r"\A(\d{15})-(\d{5})-[A-Za-z0-9._:-]{1,64}\Z")
_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})\Z")
_REASON = {"type": "string", "max_length": 10_000, "nullable": True}
#: ``json.dumps(value, allow_nan=False)`` without making an encoder each call (it keeps no
#: state between calls, so threads share it)
_STRICT_JSON = json.JSONEncoder(allow_nan=False)


def clock_problem(hlc: str) -> str | None:
    if _HLC.match(hlc) is None:
        return "the op's clock is not a hybrid logical clock timestamp"
    return None


def bounded_clock(hlc: str, server_now_ms: int) -> str:
    """A well-formed clock, brought back to at most `MAX_CLOCK_AHEAD_MS` ahead of the
    server's: a clock set wrong (or forged) cannot win every later decision, and a
    workstation whose clock runs fast still syncs (its clock is never refused for it)."""
    match = _HLC.match(hlc)
    assert match is not None
    latest = server_now_ms + MAX_CLOCK_AHEAD_MS
    if int(match[1]) <= latest:
        return hlc
    return f"{latest:015d}{hlc[15:]}"


def size_problem(op: Op) -> str | None:
    """Too many bytes of fields, or a number JSON cannot carry: the request's parser reads
    NaN, Infinity and -Infinity, which PostgreSQL's JSON refuses (the whole batch's write
    with it) and other workstations could not read back."""
    try:
        size = len(_STRICT_JSON.encode(op.fields))
    except ValueError:
        return "the op's fields hold NaN or infinity, which JSON cannot carry"
    if size > MAX_OP_BYTES:
        return f"the op's fields are {size} bytes; at most {MAX_OP_BYTES} bytes are accepted"
    return None


@dataclass(frozen=True)
class FieldSchema:
    """Per entity, per field: what an op may carry (see `ld_desktop.store.sync_schema`)."""

    entities: dict[str, dict[str, dict[str, Any]]]

    @classmethod
    def load(cls, path: Path) -> FieldSchema:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != 1:
            raise ValueError(f"{path}: unknown sync schema format {data.get('format')!r}")
        return cls({entity: spec["fields"] for entity, spec in data["entities"].items()})

    def op_problem(self, op: Op) -> str | None:
        if op.kind is OpKind.RESOLVE:
            if op.entity != RESOLVE_ENTITY:
                return None           # the merge refuses it with its own reason
            return _value_problem("reason", _REASON, op.fields.get("reason"))
        fields = self.entities.get(op.entity)
        if fields is None:
            return f"unknown record type {op.entity!r}"
        if op.kind is OpKind.DELETE and set(op.fields) - {DELETED_FIELD}:
            return "a delete carries only the _deleted field"
        for name, value in op.fields.items():
            spec = fields.get(name)
            if spec is None:
                return f"{op.entity} has no field {name!r}"
            problem = _value_problem(name, spec, value)
            if problem:
                return problem
        return None

    def value_problem(self, entity: str, name: str, value: Any) -> str | None:
        """For a decision on a conflict: the chosen value must fit the disputed field."""
        spec = self.entities.get(entity, {}).get(name)
        return None if spec is None else _value_problem(name, spec, value)


def _value_problem(name: str, spec: dict[str, Any], value: Any) -> str | None:
    if value is None:
        return None if spec.get("nullable") else f"{name} must have a value"
    kind = spec["type"]
    problem = _TYPE_CHECKS[kind](value, spec)
    if problem:
        return f"{name} {problem}"
    enumeration = spec.get("enum")
    if enumeration is not None and value not in enumeration:
        return f"{name} must be one of {', '.join(enumeration)}"
    return None


def _string(value: Any, spec: dict[str, Any]) -> str | None:
    if not isinstance(value, str):
        return "must be text"
    if len(value) > spec["max_length"]:
        return f"must be at most {spec['max_length']} characters"
    return None


def _integer(value: Any, _spec: dict[str, Any]) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be a whole number"
    return None if -MAX_INT - 1 <= value <= MAX_INT else "is out of range"


def _boolean(value: Any, _spec: dict[str, Any]) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _date(value: Any, _spec: dict[str, Any]) -> str | None:
    if not isinstance(value, str) or not _DATE.match(value):
        return "must be a date (YYYY-MM-DD)"
    try:
        date.fromisoformat(value)
    except ValueError:
        return "must be a real date"
    return None


def _datetime(value: Any, _spec: dict[str, Any]) -> str | None:
    if not isinstance(value, str) or not _DATETIME.match(value):
        return "must be a date and time with its UTC offset"
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "must be a real date and time"
    return None


def _uuid(value: Any, _spec: dict[str, Any]) -> str | None:
    if not isinstance(value, str):
        return "must be an id"
    try:
        uuid.UUID(value)
    except ValueError:
        return "must be an id"
    return None


def _object(value: Any, _spec: dict[str, Any]) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def _array(value: Any, spec: dict[str, Any]) -> str | None:
    if not isinstance(value, list):
        return "must be a list"
    if len(value) > spec["max_items"]:
        return f"must have at most {spec['max_items']} items"
    items = spec["items"]
    for item in value:
        problem = _TYPE_CHECKS[items["type"]](item, items)
        if problem:
            return f"items {problem}"
    return None


_TYPE_CHECKS = {"string": _string, "integer": _integer, "boolean": _boolean, "date": _date,
                "datetime": _datetime, "uuid": _uuid, "object": _object, "array": _array}
