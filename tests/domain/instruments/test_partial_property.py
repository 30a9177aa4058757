"""Property (issue 15): for random partial answer sets, every flag shown on the partial result
is also shown on every completion of that set. Partial flags never disappear when more
answers come. (A flag raised only on a pro-rated estimate is marked as such and is excluded:
an estimate is by definition revisable; test_k10_prorated_flag_is_marked_as_an_estimate.)"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ld_desktop.domain.instruments import evaluate
from ld_desktop.domain.instruments.definition import InstrumentDefinition, ItemKind
from ld_desktop.domain.instruments.scoring import enabled_items
from ld_desktop.services.instrument_library import InstrumentLibrary

LIB = InstrumentLibrary.load()


def _value(item: Any) -> st.SearchStrategy[Any]:
    if item.kind in (ItemKind.SINGLE, ItemKind.LIKERT):
        return st.sampled_from([o.value for o in item.options])
    if item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
        return st.booleans()
    return st.text(alphabet="abc ", max_size=5)


def applicable(definition: InstrumentDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    kept = dict(answers)
    while True:
        active = {i.id for i in enabled_items(definition, kept)}
        trimmed = {k: v for k, v in kept.items() if k in active}
        if trimmed == kept:
            return kept
        kept = trimmed


@st.composite
def partial_and_completions(draw: st.DrawFn, definition: InstrumentDefinition
                            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    full = applicable(definition, {i.id: draw(_value(i)) for i in definition.items})
    kept = draw(st.lists(st.sampled_from(sorted(full)), unique=True)) if full else []
    partial = {k: full[k] for k in kept}
    completions = []
    for _ in range(draw(st.integers(1, 4))):
        filled = {**{i.id: draw(_value(i)) for i in definition.items}, **partial}
        completions.append(applicable(definition, filled))
    return partial, completions


@pytest.mark.parametrize("instrument_id", LIB.ids())
def test_partial_flags_never_disappear_when_more_answers_come(instrument_id: str) -> None:
    definition = LIB.get(instrument_id)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(partial_and_completions(definition), st.sampled_from([None, "female", "male"]))
    def check(case: tuple[dict[str, Any], list[dict[str, Any]]], sex: str | None) -> None:
        partial, completions = case
        shown = evaluate(definition, partial, context={"sex": sex})
        proven = {f.id for f in shown.flags if not f.prorated}
        for completion in completions:
            later = evaluate(definition, completion, context={"sex": sex})
            assert proven <= {f.id for f in later.flags}, (partial, completion)
            assert set(shown.follow_ups) <= set(later.follow_ups) or any(
                f.prorated for f in shown.flags)
            for key, score in shown.scores.items():
                final = later.scores[key]
                if final.value is not None and final.complete:
                    assert score.low <= final.value <= score.high

    check()
