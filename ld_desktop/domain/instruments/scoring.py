"""Scoring: totals and subscales exactly as the published guides define them, bands, flags,
follow-ups, and (for the core screen) suggested next steps.

A half-answered form still says what its answered items already prove: each score carries
proven bounds ("at least 24, 8 of 9 items"), and a flag or follow-up fires on a partial form
only when it holds however the missing items are answered (three-valued conditions, see
``conditions``). Flags that rest on one item (PHQ-9 item 9) fire from that item alone. A
declared, cited pro-rating rule (K10) gives an estimated score, marked pro-rated; what fires
only on the estimate is marked so, because an estimate can be revised.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ld_desktop.domain.instruments.conditions import Bounds, Truth, holds, truth
from ld_desktop.domain.instruments.definition import (
    Condition,
    InstrumentDefinition,
    Item,
    ItemKind,
    Score,
    Severity,
)
from ld_desktop.domain.instruments.result import (
    RaisedFlag,
    ScoreResult,
    ScreeningResult,
)

SEXES = ("female", "male")
SEX_NOT_RECORDED = "not-recorded"

__all__ = ["InvalidAnswer", "RaisedFlag", "ScoreResult", "ScreeningResult", "check_answer",
           "enabled_items", "enablement", "evaluate", "normalise_context", "round_half_up"]


class InvalidAnswer(ValueError):
    """An answer that is not allowed for its item; the message says why."""


def _same_option(option: Any, value: Any) -> bool:
    """True == 1 in Python: a yes/no answer must not pass for the option scored 1."""
    if isinstance(option, bool) != isinstance(value, bool):
        return str(option) == str(value)
    return bool(option == value) or str(option) == str(value)


def check_answer(item: Item, value: Any) -> Any:
    """The value, normalised, or InvalidAnswer naming the item and what is allowed."""
    allowed = [o.value for o in item.options]
    if item.kind in (ItemKind.SINGLE, ItemKind.LIKERT):
        match = [o for o in allowed if _same_option(o, value)]
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
            match = [o for o in allowed
                     if _same_option(o, v) or str(o) == str(v).strip()]
            if not match:
                raise InvalidAnswer(f"{item.id}: {v!r} is not one of {allowed}")
            out.append(match[0])
        return out
    if item.kind is ItemKind.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidAnswer(f"{item.id}: enter a number") from None
        if not math.isfinite(number):     # 'nan' passes any bounds check; neither is JSON
            raise InvalidAnswer(f"{item.id}: enter a number")
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
    """The items that apply to the answers given (two-valued: the flow shows these)."""
    return [i for i in definition.items
            if i.enable_when is None or holds(i.enable_when, answers)]


def enablement(definition: InstrumentDefinition, answers: Mapping[str, Any]
               ) -> dict[str, Truth]:
    """Whether each item applies: TRUE, FALSE, or UNKNOWN until earlier items are answered."""
    return {i.id: Truth.TRUE if i.enable_when is None
            else truth(i.enable_when, answers, {}, {}) for i in definition.items}


def _item_score(item: Item, value: Any, score: Score) -> float:
    if score.method == "count":
        counted = score.count_values_by_item.get(item.id, score.count_values)
        return 1.0 if (value in counted if counted else bool(value)) else 0.0
    reverse = score.reverse.get(item.id)
    if reverse is not None:
        return float(reverse[str(value).lower() if isinstance(value, bool) else str(value)])
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    for option in item.options:
        if option.value == value:
            return float(option.score if option.score is not None else option.value)
    return float(value)


def _possible(item: Item, score: Score) -> list[float]:
    """Every score this item could still add (for a missing answer's bounds)."""
    if item.kind in (ItemKind.YES_NO, ItemKind.OBSERVATION):
        return [_item_score(item, v, score) for v in (True, False)]
    if item.options:
        return [_item_score(item, o.value, score) for o in item.options]
    low = item.minimum if item.minimum is not None else float("-inf")
    high = item.maximum if item.maximum is not None else float("inf")
    return [low, high]


def round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _score(definition: InstrumentDefinition, score: Score, answers: Mapping[str, Any],
           enabled: Mapping[str, Truth]) -> ScoreResult:
    low = high = total = 0.0
    answered = needed = 0
    settled = True          # every item's skip state is known
    for item_id in score.items:
        state = enabled[item_id]
        if state is Truth.FALSE:
            continue        # skipped by the published skip rule: scores 0, not needed
        item = definition.item(item_id)
        needed += 1
        value = answers.get(item_id)
        if value is not None and state is Truth.TRUE:
            answered += 1
            points = _item_score(item, value, score)
            low, high, total = low + points, high + points, total + points
            continue
        options = [_item_score(item, value, score)] if value is not None else \
            _possible(item, score)
        if state is Truth.UNKNOWN:
            settled = False
            options = [*options, 0.0]   # it may yet be skipped (scores 0)
        low, high = low + min(options), high + max(options)
    complete = settled and answered == needed
    value_out: float | None = total if complete else None
    prorated = False
    if (not complete and settled and score.minimum_answered is not None
            and answered >= score.minimum_answered and answered):
        prorated = True
        value_out = (float(round_half_up(total * needed / answered)) if score.prorate
                     else total)
    return ScoreResult(score.id, score.label, value_out, complete, answered, needed,
                       prorated=prorated, low=low, high=high, kind=score.kind,
                       prorate_source=score.prorate_source if prorated else None)


def _band(definition: InstrumentDefinition, score_id: str, low: float, high: float
          ) -> str | None:
    return next((b.label for b in definition.bands if b.score == score_id
                 and b.minimum <= low and high <= b.maximum), None)


def _band_of(definition: InstrumentDefinition, score_id: str, value: float) -> str | None:
    return _band(definition, score_id, value, value)


def _with_band(definition: InstrumentDefinition, result: ScoreResult) -> ScoreResult:
    if result.value is not None:
        return replace(result, band=_band_of(definition, result.id, result.value))
    return replace(result, band=_band(definition, result.id, result.low, result.high),
                   band_at_least=_band_of(definition, result.id, result.low))


def _scores_in(condition: Condition) -> Iterator[str]:
    if condition.score is not None:
        yield condition.score
    for inner in condition.conditions:
        yield from _scores_in(inner)


def normalise_context(context: Mapping[str, str | None] | None) -> dict[str, str]:
    """What is recorded about the person, as conditions see it: sex is female, male or
    not-recorded (any other gender value means sex is not recorded)."""
    sex = (context or {}).get("sex")
    return {"sex": sex if sex in SEXES else SEX_NOT_RECORDED}


def _clean(definition: InstrumentDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    clean = {}
    for item_id, value in answers.items():
        try:
            item = definition.item(item_id)
        except KeyError:
            raise InvalidAnswer(f"{item_id}: no such item in {definition.id}") from None
        if value is not None:
            clean[item_id] = check_answer(item, value)
    enabled = enablement(definition, clean)
    skipped = [i for i in clean if enabled[i] is Truth.FALSE]
    if skipped:
        reasons = "; ".join(f"{i} ({definition.item(i).help or 'skipped by the answers given'})"
                            for i in skipped)
        raise InvalidAnswer(f"not asked, so not scored: {reasons}. Remove these answers or "
                            "change the answers that skip them.")
    return clean


def evaluate(definition: InstrumentDefinition, answers: Mapping[str, Any],
             age: int | None = None, *, context: Mapping[str, str | None] | None = None
             ) -> ScreeningResult:
    """Score a complete or partial set of answers. Answers to items the skip rules exclude
    are refused (InvalidAnswer says which and why) rather than silently dropped."""
    clean = _clean(definition, answers)
    facts = normalise_context(context)
    enabled = enablement(definition, clean)
    scores = {s.id: _with_band(definition, _score(definition, s, clean, enabled))
              for s in definition.scores}
    proven = {k: Bounds(s.value, s.value) if s.complete and s.value is not None
              else Bounds(s.low, s.high) for k, s in scores.items()}
    estimated = {k: Bounds(s.value, s.value) if s.value is not None else proven[k]
                 for k, s in scores.items()}
    given = {k: v for k, v in clean.items() if enabled[k] is Truth.TRUE}

    def fires(condition: Condition) -> tuple[bool, bool, bool]:
        """(fires, rests on a partial sum, rests on a pro-rated estimate)."""
        used = set(_scores_in(condition))
        partial = any(not scores[s].complete for s in used if s in scores)
        if truth(condition, given, proven, facts) is Truth.TRUE:
            return True, partial, False
        if any(scores[s].prorated for s in used if s in scores) and \
                truth(condition, given, estimated, facts) is Truth.TRUE:
            return True, partial, True
        return False, False, False

    raised: list[RaisedFlag] = []
    chosen = []
    for flag in definition.flags:
        ok, partial, prorated = fires(flag.when)
        if ok:
            chosen.append(flag)
            raised.append(RaisedFlag(flag.id, flag.severity, flag.text, partial=partial,
                                     prorated=prorated, source=flag.source))
    order = {Severity.URGENT: 0, Severity.WARNING: 1, Severity.INFO: 2}
    pairs = sorted(zip(raised, chosen, strict=True), key=lambda p: order[p[0].severity])
    follow = [f for f in definition.follow_ups if fires(f.when)[0]]
    escalations = [f.escalate for _, f in pairs if f.escalate]
    rank = {"urgent": 2, "soon": 1, "routine": 0}
    missing = tuple(i.id for i in definition.items if enabled[i.id] is Truth.TRUE
                    and i.required and clean.get(i.id) is None)
    return ScreeningResult(
        instrument_id=definition.id, version=definition.version, title=definition.title,
        scores=scores,
        flags=tuple(r for r, _ in pairs),
        follow_ups=tuple(dict.fromkeys(f.instrument for f in follow)),
        follow_up_texts=tuple(f.text for f in follow),
        domains=tuple(dict.fromkeys(d for _, f in pairs for d in f.domains)),
        suggested_instruments=tuple(dict.fromkeys(
            [s for _, f in pairs for s in f.suggest_instruments]
            + [f.instrument for f in follow])),
        escalation=max(escalations, key=lambda e: rank[e]) if escalations else None,
        referrals=tuple(dict.fromkeys(r for _, f in pairs for r in f.referrals)),
        missing_required=missing,
        context=facts,
        unsettled=tuple(i for i, t in enabled.items() if t is Truth.UNKNOWN),
    )

