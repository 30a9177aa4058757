"""Evaluating skip logic and flag conditions against answers and scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ld_desktop.domain.instruments.definition import Condition


def holds(condition: Condition, answers: Mapping[str, Any],
          scores: Mapping[str, float | None] | None = None) -> bool:
    if condition.op == "all":
        return all(holds(c, answers, scores) for c in condition.conditions)
    if condition.op == "any":
        return any(holds(c, answers, scores) for c in condition.conditions)
    if condition.item is not None:
        actual = answers.get(condition.item)
    else:
        actual = (scores or {}).get(condition.score or "")
    if condition.op == "answered":
        return actual is not None and actual != [] and actual != ""
    if actual is None:
        return False
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
