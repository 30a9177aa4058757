"""Scoring: totals and subscales exactly as the published guides define them, bands, flags,
follow-ups, and (for the core screen) suggested next steps. A score is produced only when the
items it needs are answered, or a declared pro-rating rule allows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ld_desktop.domain.instruments.conditions import holds
from ld_desktop.domain.instruments.definition import (
    InstrumentDefinition,
    Item,
    ItemKind,
    Score,
    Severity,
)


class InvalidAnswer(ValueError):
    """An answer that is not allowed for its item; the message says why."""


@dataclass(frozen=True)
class ScoreResult:
    id: str
    label: str
    value: float | None
    complete: bool
    answered: int
    needed: int
    band: str | None = None
    prorated: bool = False


@dataclass(frozen=True)
class RaisedFlag:
    id: str
    severity: Severity
    text: str


@dataclass(frozen=True)
class ScreeningResult:
    instrument_id: str
    version: str
    title: str
    scores: dict[str, ScoreResult]
    flags: tuple[RaisedFlag, ...]
    follow_ups: tuple[str, ...]          # instrument ids to offer next
    follow_up_texts: tuple[str, ...]
    domains: tuple[str, ...]             # vulnerability domain codes
    suggested_instruments: tuple[str, ...]
    escalation: str | None               # routine | soon | urgent
    referrals: tuple[str, ...]           # service directory codes
    missing_required: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """Plain words for a report: totals with bands, then the most serious flags."""
        parts = []
        for score in self.scores.values():
            if score.value is None:
                parts.append(f"{score.label}: not scored ({score.answered} of "
                             f"{score.needed} items answered)")
            else:
                value = f"{score.value:g}" + (" (pro-rated)" if score.prorated else "")
                parts.append(f"{score.label} {value}" + (f", {score.band}" if score.band else ""))
        parts += [f.text for f in self.flags if f.severity is not Severity.INFO]
        return "; ".join(parts) if parts else "completed; nothing to score"

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument_id, "version": self.version, "title": self.title,
            "scores": {k: {"label": s.label, "value": _number(s.value), "band": s.band,
                           "complete": s.complete, "prorated": s.prorated}
                       for k, s in self.scores.items()},
            "flags": [{"id": f.id, "severity": f.severity.value, "text": f.text}
                      for f in self.flags],
            "follow_ups": list(self.follow_ups), "domains": list(self.domains),
            "suggested_instruments": list(self.suggested_instruments),
            "escalation": self.escalation, "referrals": list(self.referrals),
            "summary": self.summary(),
        }


def check_answer(item: Item, value: Any) -> Any:
    """The value, normalised, or InvalidAnswer naming the item and what is allowed."""
    allowed = [o.value for o in item.options]
    if item.kind in (ItemKind.SINGLE, ItemKind.LIKERT):
        match = [o for o in allowed if o == value or str(o) == str(value)]
        if not match:
            raise InvalidAnswer(f"{item.id}: {value!r} is not one of {allowed}")
        return match[0]
    if item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        raise InvalidAnswer(f"{item.id}: answer yes or no")
    if item.kind is ItemKind.MULTI:
        values = value if isinstance(value, list) else [v for v in str(value).split(",") if v]
        out = []
        for v in values:
            match = [o for o in allowed if o == v or str(o) == str(v).strip()]
            if not match:
                raise InvalidAnswer(f"{item.id}: {v!r} is not one of {allowed}")
            out.append(match[0])
        return out
    if item.kind is ItemKind.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidAnswer(f"{item.id}: enter a number") from None
        if (item.minimum is not None and number < item.minimum) or (
            item.maximum is not None and number > item.maximum
        ):
            raise InvalidAnswer(f"{item.id}: {number:g} is outside {item.minimum:g} to "
                                f"{item.maximum:g}")
        return int(number) if number.is_integer() else number
    if item.kind is ItemKind.DATE:
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise InvalidAnswer(f"{item.id}: enter a date as YYYY-MM-DD") from None
    text = str(value).strip()
    if len(text) > 4000:
        raise InvalidAnswer(f"{item.id}: at most 4000 characters")
    return text


def enabled_items(definition: InstrumentDefinition, answers: Mapping[str, Any]) -> list[Item]:
    return [i for i in definition.items
            if i.enable_when is None or holds(i.enable_when, answers)]


def _item_score(item: Item, value: Any, score: Score) -> float:
    reverse = score.reverse.get(item.id)
    if reverse is not None:
        return float(reverse[str(value).lower() if isinstance(value, bool) else str(value)])
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    for option in item.options:
        if option.value == value:
            return float(option.score if option.score is not None else option.value)
    return float(value)


def _score(definition: InstrumentDefinition, score: Score, answers: Mapping[str, Any]
           ) -> ScoreResult:
    active = {i.id for i in enabled_items(definition, answers)}
    needed = [i for i in score.items if i in active]
    answered = [i for i in needed if answers.get(i) is not None]
    complete = len(answered) == len(needed)
    prorated = False
    if not complete:
        if score.minimum_answered is None or len(answered) < score.minimum_answered:
            return ScoreResult(score.id, score.label, None, False, len(answered), len(needed))
        prorated = score.prorate
    if score.method == "count":
        value = float(sum(1 for i in answered if _counts(answers[i], score)))
    else:
        value = sum(_item_score(definition.item(i), answers[i], score) for i in answered)
    if prorated and answered:
        value = round(value * len(needed) / len(answered))
    return ScoreResult(score.id, score.label, value, complete, len(answered), len(needed),
                       prorated=prorated)


def _counts(value: Any, score: Score) -> bool:
    if score.count_values:
        return value in score.count_values
    return bool(value)


def evaluate(definition: InstrumentDefinition, answers: Mapping[str, Any],
             age: int | None = None) -> ScreeningResult:
    clean = {}
    for item_id, value in answers.items():
        try:
            item = definition.item(item_id)
        except KeyError:
            raise InvalidAnswer(f"{item_id}: no such item in {definition.id}") from None
        if value is not None:
            clean[item_id] = check_answer(item, value)
    scores: dict[str, ScoreResult] = {}
    for score in definition.scores:
        result = _score(definition, score, clean)
        band = next((b.label for b in definition.bands if b.score == score.id
                     and result.value is not None and b.minimum <= result.value <= b.maximum),
                    None)
        scores[score.id] = ScoreResult(**{**result.__dict__, "band": band})
    values = {k: s.value for k, s in scores.items()}
    raised = [f for f in definition.flags if holds(f.when, clean, values)]
    order = {Severity.URGENT: 0, Severity.WARNING: 1, Severity.INFO: 2}
    raised.sort(key=lambda f: order[f.severity])
    follow = [f for f in definition.follow_ups if holds(f.when, clean, values)]
    escalations = [f.escalate for f in raised if f.escalate]
    rank = {"urgent": 2, "soon": 1, "routine": 0}
    missing = tuple(i.id for i in enabled_items(definition, clean)
                    if i.required and clean.get(i.id) is None)
    return ScreeningResult(
        instrument_id=definition.id, version=definition.version, title=definition.title,
        scores=scores,
        flags=tuple(RaisedFlag(f.id, f.severity, f.text) for f in raised),
        follow_ups=tuple(dict.fromkeys(f.instrument for f in follow)),
        follow_up_texts=tuple(f.text for f in follow),
        domains=tuple(dict.fromkeys(d for f in raised for d in f.domains)),
        suggested_instruments=tuple(dict.fromkeys(
            [s for f in raised for s in f.suggest_instruments] + [f.instrument for f in follow])),
        escalation=max(escalations, key=lambda e: rank[e]) if escalations else None,
        referrals=tuple(dict.fromkeys(r for f in raised for r in f.referrals)),
        missing_required=missing,
    )


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value
