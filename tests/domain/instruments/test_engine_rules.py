"""Engine rules not exercised by the shipped instruments: pro-rating, count scores, subscales,
number/date/multi items, and definition validation."""

from __future__ import annotations

from typing import Any

import pytest

from ld_desktop.domain.instruments import DefinitionError, evaluate, parse_definition
from ld_desktop.domain.instruments.scoring import InvalidAnswer

LICENCE = {"clinical_use": True, "commercial_use": True, "research_use": True,
           "text_may_ship": True, "provenance": "test fixture", "citation": "none"}


def definition(**overrides: Any):  # type: ignore[no-untyped-def]
    base: dict[str, Any] = {
        "id": "demo", "version": "1", "title": "Demo", "short_title": "Demo",
        "description": "fixture", "kind": "validated", "licence": LICENCE, "minimum_age": 18,
        "items": [{"id": f"demo.{n}", "kind": "likert", "text": f"Q{n}",
                   "options": [{"value": v, "label": str(v)} for v in range(4)]}
                  for n in range(1, 7)],
        "scores": [
            {"id": "total", "label": "Total", "items": [f"demo.{n}" for n in range(1, 7)],
             "minimum_answered": 5, "prorate": True, "range": [0, 18],
             "prorate_source": "test fixture rule"},
            {"id": "first", "label": "First half", "items": ["demo.1", "demo.2", "demo.3"],
             "range": [0, 9]},
            {"id": "positives", "label": "Items above 1", "method": "count",
             "items": [f"demo.{n}" for n in range(1, 7)], "count_values": [2, 3],
             "range": [0, 6]},
        ],
    }
    base.update(overrides)
    return parse_definition(base, "demo.json")


def test_prorating_only_within_the_declared_rule() -> None:
    d = definition()
    five = {f"demo.{n}": 2 for n in range(1, 6)}
    result = evaluate(d, five)
    assert result.scores["total"].value == 12          # 10 scaled to 6 items
    assert result.scores["total"].prorated
    four = {f"demo.{n}": 2 for n in range(1, 5)}
    assert evaluate(d, four).scores["total"].value is None


def test_subscale_and_count_scores() -> None:
    result = evaluate(definition(), {"demo.1": 3, "demo.2": 0, "demo.3": 2, "demo.4": 1,
                                     "demo.5": 2, "demo.6": 0})
    assert result.scores["first"].value == 5
    assert result.scores["positives"].value == 3


def test_number_date_and_multi_items_are_validated() -> None:
    items = [
        {"id": "demo.1", "kind": "number", "text": "Units", "minimum": 0, "maximum": 100},
        {"id": "demo.2", "kind": "date", "text": "When"},
        {"id": "demo.3", "kind": "multi", "text": "Which",
         "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
    ]
    d = definition(items=items, scores=[])
    result = evaluate(d, {"demo.1": "42", "demo.2": "2026-11-24", "demo.3": ["a", "b"]})
    assert result.missing_required == ()
    with pytest.raises(InvalidAnswer, match="outside"):
        evaluate(d, {"demo.1": 101})
    with pytest.raises(InvalidAnswer, match="YYYY-MM-DD"):
        evaluate(d, {"demo.2": "24/11/2026"})
    with pytest.raises(InvalidAnswer, match="not one of"):
        evaluate(d, {"demo.3": ["c"]})


@pytest.mark.parametrize("typed", ["nan", "NaN", " -nan ", "inf", "-Infinity", "1e999"])
def test_a_number_item_refuses_nan_and_infinity(typed: str) -> None:
    """'nan' typed into a number item passed every check (NaN is neither below a minimum nor
    above a maximum; without bounds 'inf' passed too) and was stored and summed: a score of
    NaN, and a value JSON cannot carry to the server."""
    bounded = {"id": "demo.1", "kind": "number", "text": "Units", "minimum": 0, "maximum": 100}
    unbounded = {"id": "demo.2", "kind": "number", "text": "Count"}
    d = definition(items=[bounded, unbounded], scores=[])
    for item_id in ("demo.1", "demo.2"):
        with pytest.raises(InvalidAnswer, match="enter a number"):
            evaluate(d, {item_id: typed})


def test_wording_may_not_ship_when_the_licence_says_so() -> None:
    with pytest.raises(DefinitionError, match="may not ship"):
        definition(licence={**LICENCE, "text_may_ship": False})


def test_bands_and_scores_must_refer_to_real_things() -> None:
    with pytest.raises(DefinitionError, match="unknown score"):
        definition(bands=[{"score": "nope", "minimum": 0, "maximum": 1, "label": "x"}])
    with pytest.raises(DefinitionError, match="unknown items"):
        definition(scores=[{"id": "t", "label": "T", "items": ["demo.9"], "range": [0, 1]}])
