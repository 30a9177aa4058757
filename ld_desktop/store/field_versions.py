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


def compact_pulled(versions: Mapping[str, Any], fields: tuple[str, ...],
                   in_set: frozenset[str] | None = None) -> dict[str, Any]:
    """``compact``, with a short cut for the usual pulled state: one version for every
    field it has a version for (the same stored form, without counting). The checks are
    set operations (C loops): this runs once per pulled record."""
    if in_set is None:
        in_set = field_set_of(fields)
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


def field_set_of(fields: tuple[str, ...]) -> frozenset[str]:
    """The fields as a frozenset, made once per tuple."""
    found = _FIELD_SETS.get(fields)
    if found is None:
        found = _FIELD_SETS[fields] = frozenset(fields)
    return found
