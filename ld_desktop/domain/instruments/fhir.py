"""FHIR R4 / UK Core export of a screening as a Bundle: the Questionnaire, the
QuestionnaireResponse (time-zoned ``authored``; answers as codings with a system;
``in-progress`` when incomplete), one Observation per total score (LOINC code where one is
verified, otherwise this app's own code system) and the Patient, identified by NHS number
with the UK Core verification-status extension. Plain dicts; validated with
``fhir.resources.R4B`` in the tests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ld_desktop.domain import nhs_number
from ld_desktop.domain.instruments.definition import InstrumentDefinition, Item, ItemKind
from ld_desktop.domain.instruments.fhir_questionnaire import (
    BASE_URL,
    canonical,
    coding,
    to_questionnaire,
)
from ld_desktop.domain.instruments.scoring import check_answer, enabled_items, evaluate
from ld_desktop.domain.nhs_number import NhsNumberStatus

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
LOCAL_PERSON_SYSTEM = f"{BASE_URL}/Id/person"
VERIFICATION_EXTENSION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus")
VERIFICATION_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
# app status -> UK Core NHS number verification status (England)
VERIFICATION_CODES: dict[str, tuple[str, str]] = {
    NhsNumberStatus.VERIFIED: ("01", "Number present and verified"),
    NhsNumberStatus.UNVERIFIED: ("02", "Number present but not traced"),
}
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
SCORE_SYSTEM = f"{BASE_URL}/CodeSystem/scores"

__all__ = ["ExportScreening", "ExportSubject", "NotExportable", "screenings_bundle", "to_bundle",
           "to_questionnaire", "to_questionnaire_response"]


class NotExportable(ValueError):
    """The screening cannot be exported as it stands; the message says why."""


@dataclass(frozen=True)
class ExportSubject:
    """Who the screening is about: the NHS number only when it is a valid one."""

    person_id: uuid.UUID
    nhs_number: str | None
    nhs_number_status: str          # verified | unverified | not-known


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _patient(subject: ExportSubject) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = []
    if subject.nhs_number is not None:
        if not nhs_number.is_valid(subject.nhs_number):
            raise NotExportable("The recorded NHS number is not valid; correct it before "
                                "exporting.")
        code, display = VERIFICATION_CODES.get(subject.nhs_number_status,
                                               VERIFICATION_CODES[NhsNumberStatus.UNVERIFIED])
        identifiers.append({
            "extension": [{"url": VERIFICATION_EXTENSION, "valueCodeableConcept": {"coding": [
                {"system": VERIFICATION_SYSTEM, "code": code, "display": display}]}}],
            "system": NHS_NUMBER_SYSTEM, "value": nhs_number.normalise(subject.nhs_number)})
    identifiers.append({"system": LOCAL_PERSON_SYSTEM, "value": str(subject.person_id)})
    return {"resourceType": "Patient", "meta": {"profile": [UK_CORE + "Patient"]},
            "identifier": identifiers}


def _answer(definition: InstrumentDefinition, item: Item, raw: Any) -> list[dict[str, Any]]:
    value = check_answer(item, raw)        # refuses out-of-range values; "no" -> False
    if item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
        return [{"valueBoolean": value}]
    if item.kind is ItemKind.NUMBER:
        return [{"valueDecimal": value}]
    if item.kind is ItemKind.DATE:
        return [{"valueDate": value}]
    if item.kind is ItemKind.TEXT:
        return [{"valueString": value}]
    values = value if isinstance(value, list) else [value]
    return [{"valueCoding": coding(definition, item, v)} for v in values]


def _applicable(definition: InstrumentDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers the skip rules let stand (a disabled item's answer is not exported)."""
    known = {k: v for k, v in answers.items() if v is not None and v != ""}
    try:
        clean = {k: check_answer(definition.item(k), v) for k, v in known.items()}
    except KeyError as exc:
        raise NotExportable(f"{exc.args[0]}: no such item in {definition.id}") from None
    except ValueError as exc:
        raise NotExportable(f"An answer cannot be exported: {exc}") from None
    while True:
        active = {i.id for i in enabled_items(definition, clean)}
        kept = {k: v for k, v in clean.items() if k in active}
        if kept == clean:
            return kept
        clean = kept


def _aware(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NotExportable("The screening's time has no time zone; it cannot be exported.")
    return moment.isoformat()


def to_questionnaire_response(definition: InstrumentDefinition, answers: Mapping[str, Any], *,
                              authored: datetime, patient_ref: str | None = None,
                              patient_identifier: dict[str, Any] | None = None,
                              complete: bool | None = None, stopped: bool = False
                              ) -> dict[str, Any]:
    given = _applicable(definition, answers)
    if complete is None:
        complete = evaluate(definition, given).complete
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"profile": [UK_CORE + "QuestionnaireResponse"]},
        "questionnaire": f"{canonical(definition)}|{definition.version}",
        # R4: 'stopped' = partially filled out and abandoned (the person would not go on)
        "status": "completed" if complete else "stopped" if stopped else "in-progress",
        "authored": _aware(authored),
        "item": [{"linkId": item.id, "answer": _answer(definition, item, given[item.id])}
                 for item in definition.items if item.id in given],
    }
    if patient_ref:
        resource["subject"] = {"reference": patient_ref}
        if patient_identifier is not None:      # the NHS number, also as a logical reference
            resource["subject"]["identifier"] = patient_identifier
    return resource


def _observations(definition: InstrumentDefinition, answers: Mapping[str, Any], *,
                  authored: datetime, patient_ref: str, response_ref: str,
                  sex: str | None) -> list[dict[str, Any]]:
    result = evaluate(definition, _applicable(definition, answers), context={"sex": sex})
    out = []
    for spec in definition.scores:
        score = result.scores[spec.id]
        if spec.kind != "total" or score.value is None:
            continue
        code = ({"system": spec.code.system, "code": spec.code.code,
                 "display": spec.code.display} if spec.code is not None
                else {"system": SCORE_SYSTEM, "code": f"{definition.id}.{spec.id}",
                      "display": spec.label})
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "meta": {"profile": [UK_CORE + "Observation"]},
            "status": "final" if score.complete else "preliminary",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "survey", "display": "Survey"}]}],
            "code": {"coding": [code], "text": spec.label},
            "subject": {"reference": patient_ref},
            "effectiveDateTime": _aware(authored),
            "valueQuantity": {"value": score.value, "unit": "{score}",
                              "system": "http://unitsofmeasure.org", "code": "{score}"},
            "derivedFrom": [{"reference": response_ref}],
        }
        if score.band:
            observation["interpretation"] = [{"text": score.band}]
        if score.prorated:
            observation["note"] = [{"text": f"Pro-rated from {score.answered} of "
                                            f"{score.needed} items: {score.prorate_source}"}]
        out.append(observation)
    return out


@dataclass(frozen=True)
class ExportScreening:
    """One screening to export: its instrument, answers and when it was completed."""

    definition: InstrumentDefinition
    answers: Mapping[str, Any]
    authored: datetime
    stopped: bool = False      # stopped early with a reason: exported as 'stopped'


def screenings_bundle(screenings: list[ExportScreening], *, subject: ExportSubject,
                      exported: datetime, sex: str | None = None) -> dict[str, Any]:
    """A 'collection' Bundle: one Patient; for each screening its Questionnaire (once per
    canonical version), QuestionnaireResponse and one Observation per total score."""
    if not screenings:
        raise NotExportable("There is no signed-off screening to export.")
    patient_ref = _urn()
    patient = _patient(subject)
    nhs = next((i for i in patient["identifier"] if i["system"] == NHS_NUMBER_SYSTEM), None)
    entries: list[tuple[str, dict[str, Any]]] = [(patient_ref, patient)]
    questionnaires: set[str] = set()
    for screening in screenings:
        definition = screening.definition
        key = f"{canonical(definition)}|{definition.version}"
        if key not in questionnaires:
            questionnaires.add(key)
            entries.append((_urn(), to_questionnaire(definition)))
        response_ref = _urn()
        entries.append((response_ref, to_questionnaire_response(
            definition, screening.answers, authored=screening.authored,
            patient_ref=patient_ref, patient_identifier=nhs, stopped=screening.stopped)))
        entries += [(_urn(), o) for o in _observations(
            definition, screening.answers, authored=screening.authored,
            patient_ref=patient_ref, response_ref=response_ref, sex=sex)]
    return {"resourceType": "Bundle", "type": "collection", "timestamp": _aware(exported),
            "entry": [{"fullUrl": url, "resource": r} for url, r in entries]}


def to_bundle(definition: InstrumentDefinition, answers: Mapping[str, Any], *,
              subject: ExportSubject, authored: datetime, exported: datetime,
              sex: str | None = None) -> dict[str, Any]:
    """One screening as a Bundle (see ``screenings_bundle``)."""
    return screenings_bundle([ExportScreening(definition, answers, authored)],
                             subject=subject, exported=exported, sex=sex)
