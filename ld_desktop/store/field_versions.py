"""Field versions, stored compactly.

A synced record knows, for each field, the op that last set it (its version token). Written
out in full that is ~1 KB of JSON per row (field name and a 36-character op id for every
field), while almost every row has one version for nearly all its fields: the op that
created it, or the pulled state the server last sent. So the stored form is
``{"*": <default version>, <field>: <other version>, ...}``: the default stands for every
field of the record type's *field set* that has no entry of its own; any other key (a
field with another version, ``_deleted``, a field this app does not know) is kept as is.

The decoded map is exactly the map that was encoded: a field of the set with no version is
stored as ``None`` (so the default does not stand for it), and a field whose version
differs from the default keeps its own entry. A map holding a ``None`` version itself is
kept as it is. A map without ``"*"`` (every row written before this format) decodes as
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
    ``field_set``. A field of the set with no version (a screening's ``attestation`` until
    it is signed) is stored as ``None``: "no version", not the default."""
    fields = tuple(field_set)
    if DEFAULT_KEY in versions:
        raise ValueError(f"{DEFAULT_KEY!r} is not a field name")
    if any(token is None for token in versions.values()):
        return dict(versions)          # None is the stored form's "no version": keep as is
    tokens = [versions[name] for name in fields if name in versions]
    if not tokens:
        return dict(versions)
    default, _ = Counter(tokens).most_common(1)[0]
    stored: dict[str, Any] = {DEFAULT_KEY: default}
    stored.update((name, None) for name in fields if name not in versions)
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
    for name, token in stored.items():
        if name == DEFAULT_KEY:
            continue
        if token is None:
            versions.pop(name, None)   # this field has no version
        else:
            versions[name] = token
    return versions
