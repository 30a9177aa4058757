"""What scoring gives back: scores with their proven bounds, flags (marked partial or
pro-rated when they rest on an incomplete form), and plain words for a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ld_desktop.domain.instruments.definition import Severity


@dataclass(frozen=True)
class ScoreResult:
    id: str
    label: str
    value: float | None          # the score (or the pro-rated estimate); None if not known
    complete: bool
    answered: int
    needed: int
    band: str | None = None      # the band the score is in (proven on a partial form)
    prorated: bool = False
    low: float = 0.0             # what the answered items prove: at least ...
    high: float = 0.0            # ... and at most
    band_at_least: str | None = None   # partial form: the band the proven minimum is in
    kind: str = "total"
    prorate_source: str | None = None

    def words(self) -> str:
        """'PHQ-9 total 24, severe depression' / 'at least 24 (8 of 9 items)'."""
        if self.value is not None and self.complete:
            return f"{self.label} {_n(self.value)}" + (f", {self.band}" if self.band else "")
        if self.value is not None and self.prorated:
            text = (f"{self.label} {_n(self.value)} pro-rated from {self.answered} of "
                    f"{self.needed} items")
            return text + (f", {self.band}" if self.band else "")
        text = f"{self.label}: at least {_n(self.low)} ({self.answered} of {self.needed} items)"
        if self.band:
            return f"{text}, {self.band}"
        if self.band_at_least:
            return f"{text}, {self.band_at_least} or higher"
        return text


@dataclass(frozen=True)
class RaisedFlag:
    id: str
    severity: Severity
    text: str
    partial: bool = False        # rests on a partial sum (still proven: holds however the
    prorated: bool = False       # missing items are answered); or on a pro-rated estimate
    source: str | None = None

    def words(self) -> str:
        marks = [m for m, on in (("partial form", self.partial and not self.prorated),
                                 ("pro-rated estimate", self.prorated)) if on]
        return self.text + (f" [{'; '.join(marks)}]" if marks else "")


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
    context: dict[str, str] = field(default_factory=dict)
    unsettled: tuple[str, ...] = field(default=())   # items whose skip state is not known yet

    @property
    def complete(self) -> bool:
        """Every item that applies is answered (PHQ-9 item 10 included when it applies)."""
        return (not self.missing_required and not self.unsettled
                and all(s.complete for s in self.scores.values()))

    def summary(self) -> str:
        """Plain words for a report: totals with bands, then the most serious flags."""
        parts = [s.words() for s in self.scores.values()]
        parts += [f.words() for f in self.flags if f.severity is not Severity.INFO]
        text = "; ".join(parts) if parts else "completed; nothing to score"
        return text if self.complete else f"PARTIAL: {text}"

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument_id, "version": self.version, "title": self.title,
            "complete": self.complete,
            "scores": {k: {"label": s.label, "value": _number(s.value), "band": s.band,
                           "complete": s.complete, "prorated": s.prorated,
                           "answered": s.answered, "needed": s.needed,
                           "at_least": _number(s.low), "at_most": _number(s.high),
                           "band_at_least": s.band_at_least, "kind": s.kind,
                           "prorate_source": s.prorate_source, "words": s.words()}
                       for k, s in self.scores.items()},
            "flags": [{"id": f.id, "severity": f.severity.value, "text": f.text,
                       "partial": f.partial, "prorated": f.prorated, "source": f.source}
                      for f in self.flags],
            "follow_ups": list(self.follow_ups), "domains": list(self.domains),
            "suggested_instruments": list(self.suggested_instruments),
            "escalation": self.escalation, "referrals": list(self.referrals),
            "missing_required": list(self.missing_required), "context": dict(self.context),
            "summary": self.summary(),
        }


def _n(value: float) -> str:
    return f"{value:g}"


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value
