"""An instrument as a FHIR R4 Questionnaire: canonical URL and version, LOINC panel code
where one is verified, answer options as codings with a system, and every skip rule as
``enableWhen`` using only the operators FHIR R4 allows for each answer type ('=' and
'exists' for codings and booleans; never '>' on a code)."""

from __future__ import annotations

from typing import Any

from ld_desktop.domain.instruments.conditions import holds
from ld_desktop.domain.instruments.definition import (
    Condition,
    InstrumentDefinition,
    Item,
    ItemKind,
    Scalar,
)

BASE_URL = "https://ld-desktop.example.nhs.uk/fhir"

_TYPES = {
    ItemKind.SINGLE: "choice", ItemKind.LIKERT: "choice", ItemKind.MULTI: "choice",
    ItemKind.YES_NO: "boolean", ItemKind.OBSERVATION: "boolean", ItemKind.NUMBER: "decimal",
    ItemKind.DATE: "date", ItemKind.TEXT: "text",
}


class NotExpressible(ValueError):
    """A skip rule FHIR enableWhen cannot say exactly; the definition must be simplified."""


def canonical(definition: InstrumentDefinition) -> str:
    return f"{BASE_URL}/Questionnaire/{definition.id}"


def answer_system(definition: InstrumentDefinition) -> str:
    """The code system of this instrument's answer options (codes are the option values)."""
    return f"{BASE_URL}/CodeSystem/{definition.id}-answers"


def coding(definition: InstrumentDefinition, item: Item, value: Scalar) -> dict[str, Any]:
    label = next((o.label for o in item.options if o.value == value), None)
    return {"system": answer_system(definition), "code": str(value),
            "display": label or str(value)}


def _literal_values(item: Item, condition: Condition) -> list[Scalar]:
    """The answers of ``item`` that satisfy one comparison, as a list for '=' entries."""
    if item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
        domain: list[Scalar] = [True, False]
    elif item.options and item.kind is not ItemKind.MULTI:
        domain = [o.value for o in item.options]
    else:
        raise NotExpressible(f"{item.id}: enableWhen on a {item.kind.value} item")
    return [v for v in domain if holds(condition, {item.id: v})]


def _conjunctions(condition: Condition) -> list[list[Condition]]:
    """Disjunctive normal form: a list of conjunctions of single comparisons."""
    if condition.op == "any":
        return [c for inner in condition.conditions for c in _conjunctions(inner)]
    if condition.op == "all":
        result: list[list[Condition]] = [[]]
        for inner in condition.conditions:
            result = [a + b for a in result for b in _conjunctions(inner)]
        return result
    if condition.item is None:
        raise NotExpressible("enableWhen can only test answers, not scores or context")
    return [[condition]]


def _implied(definition: InstrumentDefinition, conjunction: list[Condition]) -> list[Condition]:
    """Drop a comparison that another item in the same conjunction already needs to be
    enabled at all (an answer to audit.2 exists only when audit.1 > 0)."""
    kept = []
    for literal in conjunction:
        needed_by_other = any(
            other.item != literal.item and _requires(definition.item(other.item or ""), literal)
            for other in conjunction)
        if not needed_by_other:
            kept.append(literal)
    return kept


def _requires(item: Item, literal: Condition) -> bool:
    rule = item.enable_when
    if rule is None:
        return False
    parts = rule.conditions if rule.op == "all" else [rule]
    return any(p == literal for p in parts)


def _entry(definition: InstrumentDefinition, item: Item, value: Scalar) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"question": item.id, "operator": "=", "answerBoolean": value}
    return {"question": item.id, "operator": "=",
            "answerCoding": coding(definition, item, value)}


def enable_when(definition: InstrumentDefinition, condition: Condition) -> dict[str, Any]:
    """``enableWhen`` + ``enableBehavior`` saying exactly what ``condition`` says."""
    conjunctions = [_implied(definition, c) for c in _conjunctions(condition)]
    if all(len(c) == 1 for c in conjunctions):
        entries = [_entry(definition, definition.item(lit.item or ""), v)
                   for (lit,) in conjunctions
                   for v in _literal_values(definition.item(lit.item or ""), lit)]
        if not entries:
            raise NotExpressible("a skip rule no answer can satisfy")
        if len(entries) == 1:
            return {"enableWhen": entries}
        return {"enableWhen": entries, "enableBehavior": "any"}
    if len(conjunctions) == 1:
        entries = []
        for lit in conjunctions[0]:
            values = _literal_values(definition.item(lit.item or ""), lit)
            if len(values) != 1:
                raise NotExpressible(f"{lit.item}: needs one answer per 'all' entry")
            entries.append(_entry(definition, definition.item(lit.item or ""), values[0]))
        return {"enableWhen": entries, "enableBehavior": "all"}
    raise NotExpressible("a mixture of 'all' and 'any' that enableWhen cannot express")


def _item(definition: InstrumentDefinition, item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "linkId": item.id,
        "text": item.text or f"{item.id} (wording supplied by a licensed service)",
        "type": _TYPES[item.kind],
        "required": item.required,
    }
    if item.kind is ItemKind.MULTI:
        out["repeats"] = True
    if item.options:
        out["answerOption"] = [{"valueCoding": coding(definition, item, o.value)}
                               for o in item.options]
    if item.enable_when is not None:
        out.update(enable_when(definition, item.enable_when))
    return out


def to_questionnaire(definition: InstrumentDefinition) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": f"{definition.id}-{definition.version}".replace(".", "-"),
        "url": canonical(definition),
        "version": definition.version,
        "name": definition.id.replace("-", "_").upper(),
        "title": definition.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": definition.description,
        "copyright": f"{definition.licence.provenance} {definition.licence.citation}",
        "item": [_item(definition, i) for i in definition.items],
    }
    if definition.code is not None:
        resource["code"] = [{"system": definition.code.system, "code": definition.code.code,
                             "display": definition.code.display}]
    return resource
