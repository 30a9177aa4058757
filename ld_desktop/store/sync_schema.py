"""The sync schema the app publishes: per entity, the fields an op may carry and what each
may hold (type, nullability, enumeration, length). Generated from the store's models and
the domain's vocabularies into ``resources/sync-schema.json``; the sync server loads that
file and refuses ops that do not fit (``sync/`` never imports ``ld_desktop``).

    python -m ld_desktop.store.sync_schema            # writes resources/sync-schema.json
    python -m ld_desktop.store.sync_schema --check    # exit 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Uuid
from sqlalchemy import inspect as sa_inspect

from ld_desktop.domain.consent import Capacity, Decision
from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.domain.pathway import ContactType, Disposal, Gender, ReferralSource, Stage, Urgency
from ld_desktop.domain.roles import Role
from ld_desktop.domain.rota import SHIFT_KINDS
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.resources import resource_path
from ld_desktop.store.models import SYNCED_MODELS, SyncedRecord
from ld_desktop.store.models.base import UTCDateTime
from ld_desktop.store.wire_values import DELETED_FIELD, synced_fields

SCHEMA_FILE = "sync-schema.json"
FORMAT = 1
SCHEMA_VERSION = 1
# Text without a declared length: long enough for any note, short of the op size bound.
DEFAULT_MAX_LENGTH = 100_000
ARRAY_ITEM_MAX_LENGTH = 1_000
MAX_ITEMS = 1_000

_ENUMERATIONS: dict[tuple[str, str], Sequence[str]] = {
    (SyncedEntity.PERSON, "gender"): [g.value for g in Gender],
    (SyncedEntity.PERSON, "nhs_number_status"): [s.value for s in NhsNumberStatus],
    (SyncedEntity.CASE, "stage"): [s.value for s in Stage],
    (SyncedEntity.CASE, "referral_source"): [s.value for s in ReferralSource],
    (SyncedEntity.CASE, "contact_type"): [c.value for c in ContactType],
    (SyncedEntity.CASE, "urgency"): [u.value for u in Urgency],
    (SyncedEntity.OUTCOME, "disposal"): [d.value for d in Disposal],
    (SyncedEntity.CONSENT, "decision"): [d.value for d in Decision],
    (SyncedEntity.CONSENT, "capacity"): [c.value for c in Capacity],
    (SyncedEntity.STAFF, "role"): [r.value for r in Role],
    (SyncedEntity.ROTA_ENTRY, "kind"): list(SHIFT_KINDS),
}


def _field_spec(model: type[SyncedRecord], name: str) -> dict[str, Any]:
    column = sa_inspect(model).columns[name]
    kind = column.type
    spec: dict[str, Any]
    if isinstance(kind, UTCDateTime):
        spec = {"type": "datetime"}
    elif isinstance(kind, Date):
        spec = {"type": "date"}
    elif isinstance(kind, Uuid):
        spec = {"type": "uuid"}
    elif isinstance(kind, Boolean):
        spec = {"type": "boolean"}
    elif isinstance(kind, Integer):
        spec = {"type": "integer"}
    elif isinstance(kind, String):
        spec = {"type": "string", "max_length": kind.length or DEFAULT_MAX_LENGTH}
    elif isinstance(kind, JSON):
        spec = _json_spec(model, name)
    else:  # pragma: no cover - a new column type must be described here first
        raise TypeError(f"{model.__entity__}.{name}: no sync schema for {kind!r}")
    enumeration = _ENUMERATIONS.get((model.__entity__, name))
    if enumeration is not None:
        spec["enum"] = sorted(enumeration)
    spec["nullable"] = bool(column.nullable)
    return spec


def _json_spec(model: type[SyncedRecord], name: str) -> dict[str, Any]:
    annotation = str(model.__annotations__.get(name, "")) or _inherited_annotation(model, name)
    if "list[str]" in annotation:
        return {"type": "array", "items": {"type": "string",
                                           "max_length": ARRAY_ITEM_MAX_LENGTH},
                "max_items": MAX_ITEMS}
    if "list[dict" in annotation:
        return {"type": "array", "items": {"type": "object"}, "max_items": MAX_ITEMS}
    return {"type": "object"}


def _inherited_annotation(model: type[SyncedRecord], name: str) -> str:
    for klass in model.__mro__:
        annotation = getattr(klass, "__annotations__", {}).get(name)
        if annotation is not None:
            return str(annotation)
    return ""


def build_schema() -> dict[str, Any]:
    entities: dict[str, Any] = {}
    for entity, model in sorted(SYNCED_MODELS.items()):
        fields = {name: _field_spec(model, name) for name in synced_fields(model)}
        fields[DELETED_FIELD] = {"type": "boolean", "nullable": False}
        entities[entity] = {"fields": dict(sorted(fields.items()))}
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION,
            "generated_by": "python -m ld_desktop.store.sync_schema", "entities": entities}


def render() -> str:
    return json.dumps(build_schema(), indent=1, sort_keys=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args(argv)
    target = resource_path(SCHEMA_FILE)
    text = render()
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run python -m ld_desktop.store.sync_schema",
                  file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
