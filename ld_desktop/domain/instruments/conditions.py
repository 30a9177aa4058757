"""Evaluating skip logic and flag conditions against answers, scores and what is recorded
about the person.

``holds`` is the plain two-valued test used for skip logic on the answers given. ``truth``
is three-valued (Kleene): for a half-answered form it says TRUE only when the condition
holds for *every* way the missing answers could still be given, FALSE when for none, and
UNKNOWN otherwise. Scores enter as proven bounds (``Bounds``); a missing answer or an
unrecorded context value is UNKNOWN. This is what lets a partial result show only what the
answered items already prove.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ld_desktop.domain.instruments.definition import Condition


class Truth(Enum):
    FALSE = 0
    UNKNOWN = 1
    TRUE = 2

    @classmethod
    def of(cls, value: bool) -> Truth:
        return cls.TRUE if value else cls.FALSE


@dataclass(frozen=True)
class Bounds:
    """What a score can still be: exactly ``low`` when ``low == high``."""

    low: float
    high: float

    @property
    def exact(self) -> bool:
        return self.low == self.high


def holds(condition: Condition, answers: Mapping[str, Any],
          scores: Mapping[str, float | None] | None = None,
          context: Mapping[str, str] | None = None) -> bool:
    if condition.op == "all":
        return all(holds(c, answers, scores, context) for c in condition.conditions)
    if condition.op == "any":
        return any(holds(c, answers, scores, context) for c in condition.conditions)
    if condition.item is not None:
        actual = answers.get(condition.item)
    elif condition.context is not None:
        actual = (context or {}).get(condition.context)
    else:
        actual = (scores or {}).get(condition.score or "")
    if condition.op == "answered":
        return actual is not None and actual != [] and actual != ""
    if actual is None:
        return False
    return _compare(condition, actual)


def _compare(condition: Condition, actual: Any) -> bool:
    expected = condition.value
    if condition.op == "eq":
        return bool(actual == expected)
    if condition.op == "ne":
        return bool(actual != expected)
    if condition.op == "in":
        assert isinstance(expected, list)
        if isinstance(actual, list):
            return any(a in expected for a in actual)
        return actual in expected
    try:
        left, right = float(actual), float(expected)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return {
        "gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right,
    }[condition.op]


def truth(condition: Condition, answers: Mapping[str, Any],
          scores: Mapping[str, Bounds], context: Mapping[str, str]) -> Truth:
    """Three-valued: see the module docstring."""
    if condition.op in ("all", "any"):
        parts = [truth(c, answers, scores, context) for c in condition.conditions]
        pick = min if condition.op == "all" else max
        return pick(parts, key=lambda t: t.value)
    if condition.score is not None:
        bounds = scores.get(condition.score)
        if bounds is None:
            return Truth.UNKNOWN
        return _score_truth(condition, bounds)
    if condition.item is not None:
        actual = answers.get(condition.item)
    else:
        actual = context.get(condition.context or "")
    if actual is None:
        return Truth.UNKNOWN
    if condition.op == "answered":
        return Truth.of(actual != [] and actual != "")
    return Truth.of(_compare(condition, actual))


def _score_truth(condition: Condition, bounds: Bounds) -> Truth:
    if condition.op == "answered":
        return Truth.TRUE
    if bounds.exact:
        return Truth.of(_compare(condition, bounds.low))
    try:
        value = float(condition.value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Truth.UNKNOWN
    low, high = bounds.low, bounds.high
    if condition.op == "ge":
        return Truth.TRUE if low >= value else Truth.FALSE if high < value else Truth.UNKNOWN
    if condition.op == "gt":
        return Truth.TRUE if low > value else Truth.FALSE if high <= value else Truth.UNKNOWN
    if condition.op == "le":
        return Truth.TRUE if high <= value else Truth.FALSE if low > value else Truth.UNKNOWN
    if condition.op == "lt":
        return Truth.TRUE if high < value else Truth.FALSE if low >= value else Truth.UNKNOWN
    if condition.op == "eq":
        return Truth.FALSE if value < low or value > high else Truth.UNKNOWN
    if condition.op == "ne":
        return Truth.TRUE if value < low or value > high else Truth.UNKNOWN
    return Truth.UNKNOWN
