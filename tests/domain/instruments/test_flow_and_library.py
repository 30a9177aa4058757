"""The flow (skip logic, back/next, save/resume), the library files and licences, the core
screen's suggestions, FHIR export, and properties over every shipped instrument."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ld_desktop.domain.instruments import (
    DefinitionError,
    InstrumentDefinition,
    ScreeningFlow,
    evaluate,
    parse_definition,
)
from ld_desktop.domain.instruments.conditions import holds
from ld_desktop.domain.instruments.definition import ItemKind, json_schema
from ld_desktop.domain.instruments.flow import FlowError
from ld_desktop.domain.instruments.scoring import enabled_items
from ld_desktop.services.instrument_library import (
    InstrumentLibrary,
    instruments_dir,
    validate_definition_file,
)

IDS = ["ld-core", "phq9", "gad7", "auditc", "audit", "k10", "dast10", "aq10"]
LIB = InstrumentLibrary.load()


def test_every_file_validates_and_carries_licence_flags() -> None:
    files = sorted(p for p in instruments_dir().glob("*.json") if p.name != "schema.json")
    assert {validate_definition_file(p).id for p in files} == set(IDS)
    for definition in LIB.all():
        licence = definition.licence
        assert licence.provenance
        assert licence.citation
        assert isinstance(licence.text_may_ship, bool)
        if not licence.text_may_ship:
            assert all(i.text is None for i in definition.items)


def test_published_schema_is_up_to_date() -> None:
    stored = json.loads((instruments_dir() / "schema.json").read_text())
    assert stored == json_schema(), "regenerate resources/instruments/schema.json"


def test_invalid_file_names_file_and_field(tmp_path: Path) -> None:
    data = json.loads((instruments_dir() / "gad7.json").read_text())
    data["items"][2]["kind"] = "slider"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(DefinitionError) as error:
        validate_definition_file(bad)
    assert "bad.json" in str(error.value)
    assert "items.2.kind" in str(error.value)
    bad.write_text("{")
    with pytest.raises(DefinitionError, match="not valid JSON"):
        validate_definition_file(bad)


def test_core_screen_is_marked_local_and_suggests_next_steps() -> None:
    core = LIB.get("ld-core")
    assert core.kind == "local-structured-screen"
    assert "NOT a validated instrument" in core.description
    answers = {i.id: False for i in core.items if i.kind in (ItemKind.YES_NO,
                                                             ItemKind.OBSERVATION)}
    answers.update({"ld-core.13": "2-3-week", "ld-core.19": "nfa", "ld-core.3": True,
                    "ld-core.4": True, "ld-core.5": True, "ld-core.17": True})
    result = evaluate(core, answers)
    assert result.escalation == "urgent"
    assert result.flags[0].id == "active-suicide-risk"
    assert {"auditc", "phq9", "gad7"} <= set(result.suggested_instruments)
    assert {"housing-options", "modern-slavery", "crisis"} <= set(result.referrals)
    assert {"mental-health", "suicide-self-harm", "housing", "alcohol", "safeguarding"} <= set(
        result.domains)


def test_core_screen_covers_every_vulnerability_domain() -> None:
    from ld_desktop.domain.vulnerabilities import VULNERABILITY_DOMAINS

    flagged = {d for f in LIB.get("ld-core").flags for d in f.domains}
    assert set(VULNERABILITY_DOMAINS) <= flagged


def test_youth_are_offered_only_youth_suitable_instruments() -> None:
    assert [d.id for d in LIB.offered_for(14)] == ["ld-core"]
    assert set(IDS) == {d.id for d in LIB.offered_for(30)}
    with pytest.raises(FlowError, match="not for someone aged 15"):
        ScreeningFlow(LIB.get("audit"), age=15)


def test_flow_skip_logic_back_next_and_resume() -> None:
    flow = ScreeningFlow(LIB.get("audit"), age=40)
    flow.answer(0)                                  # never drinks
    assert flow.next().id == "audit.9"              # items 2-8 skipped
    flow.answer(0)
    flow.next()
    flow.answer(2)
    assert flow.can_finish()
    assert flow.finish().scores["total"].value == 2
    saved = json.loads(json.dumps(flow.to_json()))
    again = ScreeningFlow.from_json(LIB.get("audit"), saved)
    assert again.answers == flow.answers
    assert again.current.id == "audit.10"
    assert again.back().id == "audit.9"


def test_flow_refuses_to_move_past_or_finish_with_required_unanswered() -> None:
    flow = ScreeningFlow(LIB.get("phq9"), age=30)
    with pytest.raises(FlowError, match="Answer this question"):
        flow.next()
    with pytest.raises(FlowError, match="required question"):
        flow.finish()


def _answer_strategy(definition: InstrumentDefinition) -> st.SearchStrategy[dict[str, object]]:
    parts = {}
    for item in definition.items:
        if item.kind in (ItemKind.SINGLE, ItemKind.LIKERT):
            parts[item.id] = st.sampled_from([o.value for o in item.options])
        elif item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
            parts[item.id] = st.booleans()
        elif item.kind is ItemKind.TEXT:
            parts[item.id] = st.text(max_size=20)
    return st.fixed_dictionaries(parts).map(lambda a: applicable(definition, a))


def applicable(definition: InstrumentDefinition, answers: dict[str, object]
               ) -> dict[str, object]:
    """The answers a practitioner could give: none to items the skip rules switch off."""
    kept = dict(answers)
    while True:
        active = {i.id for i in enabled_items(definition, kept)}
        trimmed = {k: v for k, v in kept.items() if k in active}
        if trimmed == kept:
            return kept
        kept = trimmed


@pytest.mark.parametrize("instrument_id", IDS)
def test_any_complete_answer_set_scores_within_the_published_range(instrument_id: str) -> None:
    definition = LIB.get(instrument_id)

    @settings(max_examples=60, deadline=None)
    @given(_answer_strategy(definition))
    def check(answers: dict[str, object]) -> None:
        result = evaluate(definition, answers)
        assert result.complete or not all(i.required for i in definition.items)
        for score in definition.scores:
            value = result.scores[score.id].value
            assert value is not None
            assert score.range[0] <= value <= score.range[1]
            banded = any(b.score == score.id for b in definition.bands)
            assert result.scores[score.id].band is not None or not banded

    check()


@pytest.mark.parametrize("instrument_id", ["audit", "ld-core", "phq9"])
def test_flow_never_offers_a_disabled_item_and_back_next_keep_answers(instrument_id: str
                                                                      ) -> None:
    definition = LIB.get(instrument_id)

    @settings(max_examples=40, deadline=None)
    @given(_answer_strategy(definition), st.lists(st.sampled_from(["next", "back"]),
                                                   max_size=40))
    def check(answers: dict[str, object], moves: list[str]) -> None:
        flow = ScreeningFlow(definition, age=30)
        for move in moves:
            item = flow.current
            assert item.enable_when is None or holds(item.enable_when, flow.answers)
            if item.id in answers:
                flow.answer(answers[item.id])
            before = dict(flow.answers)
            with contextlib.suppress(FlowError):
                flow.next() if move == "next" else flow.back()
            assert flow.answers == before

    check()


def test_parse_definition_rejects_misnumbered_items() -> None:
    data = json.loads((instruments_dir() / "gad7.json").read_text())
    data["items"][0]["id"] = "gad7.9"
    with pytest.raises(DefinitionError, match=r"numbered gad7\.1"):
        parse_definition(data, "gad7.json")
