"""Consent rules: what must be recorded before screening and before sharing.

Consent is scoped: one decision for the L&D assessment and one per recipient of shared
information. The latest decision for a scope is the one in force; withdrawal is a new
decision, never an edit. Under-16s: consent depends on Gillick competence, judged per
decision. Under-18s (juveniles under PACE) and vulnerable adults need an appropriate adult.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ld_desktop.domain.age import ADULT_AGE, GILLICK_BELOW
from ld_desktop.domain.pathway import Recipient

ASSESSMENT_SCOPE = "assessment"


class Decision(StrEnum):
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Capacity(StrEnum):
    HAS_CAPACITY = "has-capacity"
    LACKS_CAPACITY = "lacks-capacity"
    NOT_ASSESSED = "not-assessed"


def valid_scopes() -> list[str]:
    return [ASSESSMENT_SCOPE, *(r.value for r in Recipient)]


@dataclass(frozen=True)
class ConsentDecision:
    scope: str
    decision: Decision
    decided_at: datetime
    capacity: Capacity | None = None
    gillick_competent: bool | None = None
    appropriate_adult: str | None = None
    recipient_name: str | None = None
    reason: str | None = None


def problems(consent: ConsentDecision, age: int | None) -> list[str]:
    """Why this decision cannot be recorded as it stands (empty list = fine)."""
    found: list[str] = []
    if consent.scope not in valid_scopes():
        found.append("Choose what the consent is for.")
    if consent.scope == Recipient.OTHER.value and not (consent.recipient_name or "").strip():
        found.append("Name the other recipient.")
    if consent.decision in (Decision.DECLINED, Decision.WITHDRAWN) and not (
        consent.reason or ""
    ).strip():
        found.append("Record the reason the consent was declined or withdrawn.")
    if consent.decision is Decision.GIVEN:
        if consent.capacity is Capacity.LACKS_CAPACITY:
            found.append(
                "Someone who lacks capacity for this decision cannot give consent; record "
                "it as declined and act in their best interests."
            )
        if age is not None and age < GILLICK_BELOW and consent.gillick_competent is None:
            found.append("Record whether the young person is Gillick competent for this decision.")
        if age is not None and age < GILLICK_BELOW and consent.gillick_competent is False:
            found.append(
                "A young person who is not Gillick competent cannot consent; consent must come "
                "from someone with parental responsibility (record them as the appropriate adult)."
            )
    if age is not None and age < ADULT_AGE and not (consent.appropriate_adult or "").strip():
        found.append("Record the appropriate adult present (required for under-18s).")
    return found


def in_force(decisions: Iterable[ConsentDecision]) -> dict[str, ConsentDecision]:
    """The latest decision for each scope."""
    latest: dict[str, ConsentDecision] = {}
    for decision in sorted(decisions, key=lambda d: d.decided_at):
        latest[decision.scope] = decision
    return latest


def may_share_with(decisions: Iterable[ConsentDecision], recipient: str) -> bool:
    current = in_force(decisions)
    given = current.get(recipient)
    return given is not None and given.decision is Decision.GIVEN


def screening_mode(decisions: Iterable[ConsentDecision]) -> str:
    """'consented', or 'observation-only' (from other sources, clearly marked) without it."""
    current = in_force(decisions).get(ASSESSMENT_SCOPE)
    return "consented" if current and current.decision is Decision.GIVEN else "observation-only"
