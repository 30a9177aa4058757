"""The score tracker's model, pure Python: one tracker per instrument score, its points over
time, its band boundaries, the chart geometry and a one-line trend in words (so the chart,
the accessible table and a PDF all say the same thing)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ld_desktop.domain.instruments.definition import InstrumentDefinition
from ld_desktop.services.clinical.score_history import ScorePoint


@dataclass(frozen=True)
class Tracker:
    instrument_id: str
    title: str                       # "PHQ-9 total"
    minimum: float
    maximum: float
    cut_offs: tuple[float, ...]      # lower edges of the bands above the first
    points: tuple[ScorePoint, ...]   # oldest first

    def trend(self) -> str:
        """'rising: 6, 12, 21 (latest severe depression)' - what the chart shows, in words."""
        values = [p.value for p in self.points]
        if len(values) == 1:
            word = "one score"
        elif values[-1] > values[0]:
            word = "rising"
        elif values[-1] < values[0]:
            word = "falling"
        else:
            word = "unchanged"
        shown = ", ".join(f"{v:g}" + ("+" if p.partial else "")
                          for v, p in zip(values, self.points, strict=True))
        latest = self.points[-1].band
        return f"{self.title} {word}: {shown}" + (f" (latest {latest})" if latest else "")


def build_trackers(points: Iterable[ScorePoint],
                   definitions: dict[str, InstrumentDefinition]) -> list[Tracker]:
    """One tracker per (instrument, score label) with at least one point, in the order the
    instruments were first used."""
    groups: dict[tuple[str, str], list[ScorePoint]] = {}
    for point in sorted(points, key=lambda p: p.when):
        groups.setdefault((point.instrument_id, point.score_label), []).append(point)
    trackers = []
    for (instrument_id, label), group in groups.items():
        definition = definitions.get(instrument_id)
        low, high = 0.0, max(p.value for p in group)
        cut_offs: tuple[float, ...] = ()
        if definition is not None:
            total = next((s for s in definition.scores if s.label == label), None)
            if total is not None:
                low, high = float(total.range[0]), float(total.range[1])
                cut_offs = tuple(sorted(b.minimum for b in definition.bands
                                        if b.score == total.id and b.minimum > low))
        trackers.append(Tracker(instrument_id, label, low, high, cut_offs, tuple(group)))
    return trackers


@dataclass(frozen=True)
class Geometry:
    """Where things go in a chart of the given size (pixels, y downwards)."""

    left: float
    top: float
    width: float
    height: float

    def y(self, tracker: Tracker, value: float) -> float:
        span = (tracker.maximum - tracker.minimum) or 1.0
        clamped = min(max(value, tracker.minimum), tracker.maximum)
        return self.top + self.height * (1 - (clamped - tracker.minimum) / span)

    def xs(self, count: int) -> list[float]:
        """Contacts are spaced evenly (a contact, not a calendar, scale: readable at a
        glance even when two contacts were a day apart and the next a year later)."""
        if count == 1:
            return [self.left + self.width / 2]
        return [self.left + self.width * i / (count - 1) for i in range(count)]


def point_positions(tracker: Tracker, geometry: Geometry) -> list[tuple[float, float]]:
    xs = geometry.xs(len(tracker.points))
    return [(x, geometry.y(tracker, p.value)) for x, p in zip(xs, tracker.points, strict=True)]


def table_rows(tracker: Tracker) -> list[tuple[str, str, str, str]]:
    """Date, score, band, note: the same numbers as the chart, for screen readers and print."""
    rows = []
    for p in tracker.points:
        note = ", ".join(n for n, on in (("partial form: at least", p.partial),
                                         ("pro-rated", p.prorated),
                                         ("awaiting sign-off", not p.signed_off)) if on)
        rows.append((_date(p.when), f"{p.value:g}", p.band or "", note))
    return rows


def _date(moment: datetime) -> str:
    return f"{moment.astimezone():%d/%m/%Y}"
