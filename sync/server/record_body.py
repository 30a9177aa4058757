"""A record's wire JSON, built once when a push writes the record and stored beside it.

`records.body` is the record as a pull sends it (`RecordState`) without its sequence number:
``{"entity":…,"entity_id":…,"fields":…,"versions":…,"deleted":…}``. A pull puts the number
in front (``{"seq":N,`` then the body from its second character), so it never decodes a
record and a record renumbered by a later change or share needs no other rewrite. Text that
UTF-8 cannot carry (a lone surrogate) is written as a JSON escape, which the client decodes
as `json.loads` always has.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from sync.protocol import DELETED_FIELD


def record_body(entity: str, entity_id: str, fields: Mapping[str, Any],
                meta: Mapping[str, Sequence[Any]]) -> str:
    """The stored wire JSON of one record (its version tokens are its fields' op ids)."""
    body = {"entity": entity, "entity_id": entity_id, "fields": fields,
            "versions": {name: values[0] for name, values in meta.items()},
            "deleted": fields.get(DELETED_FIELD) is True}
    try:
        return to_json(body).decode()
    except (PydanticSerializationError, UnicodeDecodeError):  # a lone surrogate
        return json.dumps(body, separators=(",", ":"))

