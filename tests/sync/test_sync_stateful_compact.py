"""The hypothesis sync state machine again, with every replica's field versions held in the
workstation's compact stored form (``ld_desktop/store/field_versions.py``, issue 17).

Each record's versions live only as the compact map: every read expands it, every write
compacts it again. A full map kept beside it must always equal the expansion, so a clash
the full versions would have shown (a pending op's base version) is still shown; the
machine's own checks (convergence, every op applied once, acknowledged ops are duplicates on
a repeat) must hold exactly as with the full maps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from test_sync_stateful import SyncMachine

import sync.memory_replica as memory_replica
from ld_desktop.store.field_versions import DEFAULT_KEY, compact, expand

FIELD_SET: tuple[str, ...] = ("a", "b")   # the machine's "case" fields
stats = {"compact": 0, "with_exceptions": 0, "reads": 0, "without_version": 0}


def _count(stored: dict[str, Any]) -> None:
    if DEFAULT_KEY in stored:
        stats["compact"] += 1
        if any(stored.get(name) is not None for name in FIELD_SET):
            stats["with_exceptions"] += 1
        if any(name in stored and stored[name] is None for name in FIELD_SET):
            stats["without_version"] += 1


class CompactVersions(MutableMapping[str, Any]):
    def __init__(self, initial: dict[str, Any]) -> None:
        self.full = dict(initial)
        self.stored = compact(initial, FIELD_SET)
        _count(self.stored)

    def _expanded(self) -> dict[str, Any]:
        versions = expand(self.stored, FIELD_SET)
        assert versions == self.full, "the compact form lost or changed a version"
        stats["reads"] += 1
        return versions

    def __getitem__(self, key: str) -> Any:
        return self._expanded()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        versions = self._expanded()
        versions[key] = value
        self.full[key] = value
        self.stored = compact(versions, FIELD_SET)
        _count(self.stored)

    def __delitem__(self, key: str) -> None:
        versions = self._expanded()
        del versions[key]
        del self.full[key]
        self.stored = compact(versions, FIELD_SET)

    def __iter__(self) -> Iterator[str]:
        return iter(self._expanded())

    def __len__(self) -> int:
        return len(self._expanded())


@dataclasses.dataclass
class CompactLocalRecord(memory_replica.LocalRecord):
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "versions" and not isinstance(value, CompactVersions):
            value = CompactVersions(dict(value))
        super().__setattr__(name, value)


class CompactSyncMachine(SyncMachine):
    def __init__(self) -> None:
        self._original = memory_replica.LocalRecord
        memory_replica.LocalRecord = CompactLocalRecord  # type: ignore[misc]
        super().__init__()

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            memory_replica.LocalRecord = self._original  # type: ignore[misc]


@pytest.mark.slow
@pytest.mark.parametrize("field_set", [
    ("a", "b"),
    # a field of the record type that no op ever sets (a screening's attestation until it
    # is signed): stored as "no version", and still no clash lost (issue 17, storage)
    ("a", "b", "attestation"),
])
def test_sync_state_machine_with_compact_versions(field_set: tuple[str, ...]) -> None:
    global FIELD_SET
    FIELD_SET, before = field_set, FIELD_SET
    stats.update(compact=0, with_exceptions=0, reads=0, without_version=0)
    try:
        run_state_machine_as_test(CompactSyncMachine, settings=settings(
            max_examples=25, stateful_step_count=30, deadline=None,
            suppress_health_check=[HealthCheck.too_slow], derandomize=True))
    finally:
        FIELD_SET = before
    # the compact form was really exercised (a default, and a default with a field of its
    # own), not skipped because no record had both fields
    assert stats["compact"] > 100, stats
    assert stats["with_exceptions"] > 20, stats
    assert stats["reads"] > 500, stats
    if "attestation" in field_set:
        assert stats["without_version"] > 100, stats


def test_a_field_without_a_version_is_compacted_and_stays_without_one() -> None:
    fields = ("given_name", "family_name", "attestation")
    versions = {"given_name": "op1", "family_name": "op1", "_deleted": "op2"}
    stored = compact(versions, fields)
    assert stored == {DEFAULT_KEY: "op1", "attestation": None, "_deleted": "op2"}
    assert expand(stored, fields) == versions
    assert "attestation" not in expand(stored, fields)
    # a map that itself holds None is kept whole, so None in a compact map always means
    # "no version"
    odd = {"given_name": "op1", "family_name": None}
    assert compact(odd, fields) == odd
    assert expand(compact(odd, fields), fields) == odd
