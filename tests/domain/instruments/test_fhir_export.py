"""FHIR R4 / UK Core export (issue 15 item 5), validated against fhir.resources.R4B models
(UK Core is FHIR R4) and the UK Core NHS number identifier rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from hypothesis import given, settings
from hypothesis import strategies as st

from ld_desktop.domain import nhs_number
from ld_desktop.domain.instruments.definition import InstrumentDefinition, ItemKind
from ld_desktop.domain.instruments.fhir import (
    NHS_NUMBER_SYSTEM,
    VERIFICATION_EXTENSION,
    VERIFICATION_SYSTEM,
    ExportSubject,
    NotExportable,
    to_bundle,
)
from ld_desktop.domain.instruments.fhir_questionnaire import to_questionnaire
from ld_desktop.domain.instruments.scoring import enabled_items
from ld_desktop.services.instrument_library import InstrumentLibrary

LIB = InstrumentLibrary.load()
WHEN = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=0)))
SUBJECT = ExportSubject(uuid.UUID(int=7), "943 476 5919", "verified")
ORDERED_ONLY = {">", ">=", "<", "<="}      # FHIR: not allowed on Coding or boolean answers


def bundle(instrument: str, answers: dict[str, Any], subject: ExportSubject = SUBJECT,
           **kw: Any) -> dict[str, Any]:
    data = to_bundle(LIB.get(instrument), answers, subject=subject, authored=WHEN,
                     exported=WHEN, **kw)
    Bundle.model_validate(data)              # R4B structure and types (not bindings)
    check_required_bindings(data)
    return data


# Required bindings the R4B models do not check (they accept status "done"):
REQUIRED = {"Bundle.type": {"collection"},
            "QuestionnaireResponse.status": {"in-progress", "completed", "amended",
                                             "entered-in-error", "stopped"},
            "Observation.status": {"registered", "preliminary", "final", "amended",
                                   "corrected", "cancelled", "entered-in-error", "unknown"},
            "Questionnaire.status": {"draft", "active", "retired", "unknown"},
            "enableWhen.operator": {"exists", "=", "!=", ">", "<", ">=", "<="},
            "enableBehavior": {"all", "any"}}


def check_required_bindings(data: dict[str, Any]) -> None:
    assert data["type"] in REQUIRED["Bundle.type"]
    for entry in data["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        if f"{kind}.status" in REQUIRED:
            assert resource["status"] in REQUIRED[f"{kind}.status"], (kind, resource["status"])
        for item in resource.get("item", []) if kind == "Questionnaire" else []:
            for rule in item.get("enableWhen", []):
                assert rule["operator"] in REQUIRED["enableWhen.operator"]
            assert item.get("enableBehavior", "all") in REQUIRED["enableBehavior"]


def resources(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def check_uk_core_nhs_identifier(identifier: dict[str, Any]) -> None:
    """UK Core Patient.identifier:nhsNumber: the system, a valid 10-digit number, and the
    NHS number verification-status extension with a code from its England code system."""
    assert identifier["system"] == NHS_NUMBER_SYSTEM == "https://fhir.nhs.uk/Id/nhs-number"
    assert len(identifier["value"]) == 10
    assert nhs_number.is_valid(identifier["value"])
    (extension,) = identifier["extension"]
    assert extension["url"] == VERIFICATION_EXTENSION
    (code,) = extension["valueCodeableConcept"]["coding"]
    assert code["system"] == VERIFICATION_SYSTEM
    assert code["code"] in {f"0{n}" for n in range(1, 9)}


@pytest.mark.parametrize("instrument", LIB.ids())
def test_every_questionnaire_validates_with_codings_and_enable_when(instrument: str) -> None:
    definition = LIB.get(instrument)
    data = to_questionnaire(definition)
    Questionnaire.model_validate(data)
    check_required_bindings({"type": "collection", "entry": [{"resource": data}]})
    assert data["url"].startswith("https://")
    assert data["version"] == definition.version
    for item, fhir_item in zip(definition.items, data["item"], strict=True):
        for option in fhir_item.get("answerOption", []):
            assert option["valueCoding"]["system"].startswith("https://")
        if item.enable_when is not None:
            assert fhir_item["enableWhen"], item.id
        for rule in fhir_item.get("enableWhen", []):
            assert rule["operator"] not in ORDERED_ONLY or "answerCoding" not in rule
            assert rule["operator"] in {"=", "!=", "exists"}


def test_loinc_codes_where_verified() -> None:
    assert to_questionnaire(LIB.get("phq9"))["code"][0]["code"] == "44249-1"
    assert to_questionnaire(LIB.get("gad7"))["code"][0]["code"] == "69737-5"
    assert "code" not in to_questionnaire(LIB.get("aq10"))     # none verified: none invented


def _fhir_enabled(fhir_item: dict[str, Any], answers: dict[str, Any]) -> bool:
    """A small enableWhen evaluator (R4 semantics for '=' on codings and booleans)."""
    rules = fhir_item.get("enableWhen")
    if not rules:
        return True
    results = []
    for rule in rules:
        given = answers.get(rule["question"])
        if "answerBoolean" in rule:
            results.append(given is not None and given == rule["answerBoolean"])
        else:
            results.append(given is not None and str(given) == rule["answerCoding"]["code"])
    return any(results) if fhir_item.get("enableBehavior") == "any" else all(results)


@pytest.mark.parametrize("instrument", ["audit", "phq9", "gad7", "ld-core"])
def test_enable_when_says_exactly_what_the_skip_rules_say(instrument: str) -> None:
    definition = LIB.get(instrument)
    items = {i["linkId"]: i for i in to_questionnaire(definition)["item"]}

    @settings(max_examples=200, deadline=None)
    @given(st.fixed_dictionaries({i.id: _values(i) for i in definition.items}))
    def check(raw: dict[str, Any]) -> None:
        answers = _applicable(definition, raw)       # answers only where the flow asks
        visible = {i.id for i in enabled_items(definition, answers)}
        assert visible == {k for k in items if _fhir_enabled(items[k], answers)}

    check()


def _values(item: Any) -> st.SearchStrategy[Any]:
    if item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
        return st.booleans()
    if item.options:
        return st.sampled_from([o.value for o in item.options])
    return st.just("text")


def _applicable(definition: InstrumentDefinition, raw: dict[str, Any]) -> dict[str, Any]:
    kept = dict(raw)
    while True:
        active = {i.id for i in enabled_items(definition, kept)}
        trimmed = {k: v for k, v in kept.items() if k in active}
        if trimmed == kept:
            return kept
        kept = trimmed


def test_phq9_bundle_response_observation_and_patient() -> None:
    answers = {f"phq9.{n}": 2 for n in range(1, 11)}
    data = bundle("phq9", answers)
    assert data["type"] == "collection"
    (response,) = resources(data, "QuestionnaireResponse")
    assert response["status"] == "completed"
    assert response["questionnaire"].endswith("/Questionnaire/phq9|1.0")
    assert datetime.fromisoformat(response["authored"]).utcoffset() is not None
    for item in response["item"]:
        assert item["answer"][0]["valueCoding"]["system"].startswith("https://")
    (observation,) = resources(data, "Observation")          # one per total score
    assert observation["code"]["coding"][0] == {
        "system": "http://loinc.org", "code": "44261-6",
        "display": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"}
    assert observation["valueQuantity"]["value"] == 18
    assert observation["derivedFrom"][0]["reference"] == next(
        e["fullUrl"] for e in data["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse")
    (patient,) = resources(data, "Patient")
    nhs = next(i for i in patient["identifier"] if i["system"] == NHS_NUMBER_SYSTEM)
    check_uk_core_nhs_identifier(nhs)
    assert nhs["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "01"
    patient_url = next(e["fullUrl"] for e in data["entry"]
                       if e["resource"]["resourceType"] == "Patient")
    assert response["subject"]["reference"] == observation["subject"]["reference"] == patient_url
    check_uk_core_nhs_identifier(response["subject"]["identifier"])


def test_incomplete_response_is_in_progress_with_no_final_score() -> None:
    data = bundle("phq9", {"phq9.1": 3, "phq9.2": 3})
    (response,) = resources(data, "QuestionnaireResponse")
    assert response["status"] == "in-progress"
    assert len(response["item"]) == 2
    assert resources(data, "Observation") == []


def test_k10_prorated_observation_is_preliminary_and_says_so() -> None:
    data = bundle("k10", {f"k10.{n}": 3 for n in range(1, 10)})
    (observation,) = resources(data, "Observation")
    assert observation["status"] == "preliminary"
    assert observation["valueQuantity"]["value"] == 30
    assert "AMHOCN" in observation["note"][0]["text"]


def test_dast10_no_is_exported_as_false() -> None:
    answers = {f"dast10.{n}": "no" for n in range(1, 11)}
    data = bundle("dast10", answers)
    (response,) = resources(data, "QuestionnaireResponse")
    assert all(i["answer"] == [{"valueBoolean": False}] for i in response["item"])
    (observation,) = resources(data, "Observation")
    assert observation["valueQuantity"]["value"] == 1       # item 3 reversed: 'no' scores 1


def test_out_of_range_value_is_refused_not_emitted() -> None:
    with pytest.raises(NotExportable, match=r"phq9\.1"):
        bundle("phq9", {"phq9.1": 7})


@pytest.mark.parametrize("number", ["9434765918", "943476591\u00b2", "not a number"])
def test_invalid_nhs_number_is_never_emitted(number: str) -> None:
    with pytest.raises(NotExportable, match="NHS number"):
        bundle("phq9", {"phq9.1": 1}, ExportSubject(uuid.UUID(int=1), number, "unverified"))


def test_without_an_nhs_number_the_local_identifier_only() -> None:
    data = bundle("phq9", {"phq9.1": 1}, ExportSubject(uuid.UUID(int=1), None, "not-known"))
    (patient,) = resources(data, "Patient")
    assert [i["system"] for i in patient["identifier"]] == [
        "https://ld-desktop.example.nhs.uk/fhir/Id/person"]


def test_unverified_number_says_not_traced() -> None:
    data = bundle("auditc", {"auditc.1": 1, "auditc.2": 1, "auditc.3": 1},
                  ExportSubject(uuid.UUID(int=1), "9434765919", "unverified"), sex="female")
    (patient,) = resources(data, "Patient")
    check_uk_core_nhs_identifier(patient["identifier"][0])
    assert patient["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0][
        "code"] == "02"
    (observation,) = resources(data, "Observation")
    assert observation["code"]["coding"][0]["code"] == "75626-2"


def test_naive_time_is_refused() -> None:
    with pytest.raises(NotExportable, match="time zone"):
        to_bundle(LIB.get("phq9"), {"phq9.1": 1}, subject=SUBJECT,
                  authored=datetime(2026, 1, 1, 9, 0), exported=datetime.now(UTC))
