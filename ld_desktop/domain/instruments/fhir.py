"""FHIR R4 export: an instrument as a Questionnaire, a completed screening as a UK Core
QuestionnaireResponse. Plain dicts; validated with fhir.resources in the tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ld_desktop.domain.instruments.definition import InstrumentDefinition, Item, ItemKind

BASE_URL = "https://ld-desktop.example.nhs.uk/fhir/Questionnaire"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
UK_CORE_QR = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-QuestionnaireResponse"

_TYPES = {
    ItemKind.SINGLE: "choice", ItemKind.LIKERT: "choice", ItemKind.MULTI: "choice",
    ItemKind.YES_NO: "boolean", ItemKind.OBSERVATION: "boolean", ItemKind.NUMBER: "decimal",
    ItemKind.DATE: "date", ItemKind.TEXT: "text",
}


def _fhir_item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "linkId": item.id,
        "text": item.text or f"{item.id} (wording supplied by a licensed service)",
        "type": _TYPES[item.kind],
        "required": item.required,
    }
    if item.kind is ItemKind.MULTI:
        out["repeats"] = True
    if item.options:
        out["answerOption"] = [
            {"valueCoding": {"code": str(o.value), "display": o.label or str(o.value)}}
            for o in item.options
        ]
    if item.enable_when is not None and item.enable_when.item and item.enable_when.op in (
            "eq", "ne", "gt", "ge", "lt", "le"):
        operator = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
        value = item.enable_when.value
        answer: dict[str, Any] = ({"answerBoolean": value} if isinstance(value, bool)
                                  else {"answerCoding": {"code": str(value)}})
        out["enableWhen"] = [{"question": item.enable_when.item,
                              "operator": operator[item.enable_when.op], **answer}]
    return out


def to_questionnaire(definition: InstrumentDefinition) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": f"{definition.id}-{definition.version}".replace(".", "-"),
        "url": f"{BASE_URL}/{definition.id}",
        "version": definition.version,
        "name": definition.id.replace("-", "_").upper(),
        "title": definition.title,
        "status": "active",
        "description": definition.description,
        "copyright": f"{definition.licence.provenance} {definition.licence.citation}",
        "item": [_fhir_item(i) for i in definition.items],
    }


def _answer(item: Item, value: Any) -> list[dict[str, Any]]:
    if item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
        return [{"valueBoolean": bool(value)}]
    if item.kind is ItemKind.NUMBER:
        return [{"valueDecimal": float(value)}]
    if item.kind is ItemKind.DATE:
        return [{"valueDate": str(value)}]
    if item.kind is ItemKind.TEXT:
        return [{"valueString": str(value)}]
    values = value if isinstance(value, list) else [value]
    labels = {o.value: o.label or str(o.value) for o in item.options}
    return [{"valueCoding": {"code": str(v), "display": labels.get(v, str(v))}} for v in values]


def to_questionnaire_response(
    definition: InstrumentDefinition, answers: Mapping[str, Any], *, nhs_number: str | None,
    authored: datetime, completed: bool = True,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"profile": [UK_CORE_QR]},
        "questionnaire": f"{BASE_URL}/{definition.id}|{definition.version}",
        "status": "completed" if completed else "in-progress",
        "authored": authored.isoformat(),
        "item": [
            {"linkId": item.id, "answer": _answer(item, answers[item.id])}
            for item in definition.items if answers.get(item.id) is not None
        ],
    }
    if nhs_number:
        resource["subject"] = {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number}}
    return resource
