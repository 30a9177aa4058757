"""Field versions, stored compactly.

A synced record knows, for each field, the op that last set it (its version token). Written
out in full that is ~1 KB of JSON per row (field name and a 36-character op id for every
field), while almost every row has one version for nearly all its fields: the op that
created it, or the pulled state the server last sent. So the stored form is
``{"*": <default version>, <field>: <other version>, ...}``: the default stands for every
field of the record type's *field set* that has no entry of its own; any other key (a
field with another version, ``_deleted``, a field this app does not know) is kept as is.

The decoded map is exactly the map that was encoded: the default is used only when every
field of the set has a version, and a field whose version differs from the default keeps
its own entry. A map without ``"*"`` (every row written before this format) decodes as
itself. The field set is the record type's synced fields *now*, so a migration that adds a
synced field must first decode existing rows with the old set (``expand``) and write them
back in full; otherwise old rows would claim the default version for the new field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_KEY = "*"


def compact(versions: Mapping[str, Any], field_set: Iterable[str]) -> dict[str, Any]:
    """The stored form of ``versions`` for a record type whose synced fields are
    ``field_set``."""
    fields = tuple(field_set)
    if DEFAULT_KEY in versions:
        raise ValueError(f"{DEFAULT_KEY!r} is not a field name")
    tokens = [versions.get(name) for name in fields]
    if not fields or any(token is None for token in tokens):
        return dict(versions)          # a field without a version: keep the map as it is
    default, _ = Counter(tokens).most_common(1)[0]
    stored: dict[str, Any] = {DEFAULT_KEY: default}
    in_set = set(fields)
    for name, token in versions.items():
        if name not in in_set or token != default:
            stored[name] = token
    return stored


def expand(stored: Mapping[str, Any], field_set: Iterable[str]) -> dict[str, Any]:
    """The full map of field -> version that ``stored`` stands for."""
    if DEFAULT_KEY not in stored:
        return dict(stored)
    default = stored[DEFAULT_KEY]
    versions = {name: default for name in field_set}
    versions.update((k, v) for k, v in stored.items() if k != DEFAULT_KEY)
    return versions
