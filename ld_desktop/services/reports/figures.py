"""What the dashboard hands to the UI: each figure a small frozen dataclass of bars (this
period and the previous one), so one drawing function can chart any of them and a table can
list them. ``drill`` names the figure for the drill-down; a bar's ``key`` selects its cases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ld_desktop.services.reports.period import Period


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: float
    previous: float
    youth: int | None = None          # of which aged 10-17, where the figure counts people

    @property
    def change(self) -> float:
        return self.value - self.previous


@dataclass(frozen=True)
class Figure:
    id: str                            # stable: "referrals-by-source", ...
    title: str
    unit: str                          # "referrals", "people", "%", "hours" ...
    bars: tuple[Bar, ...]
    notes: tuple[str, ...] = ()
    drill: bool = True                 # clicking a bar lists its cases

    @property
    def total(self) -> float:
        return sum(b.value for b in self.bars)

    @property
    def has_youth(self) -> bool:
        return any(b.youth is not None for b in self.bars)


@dataclass(frozen=True)
class Timeliness:
    referred: int
    seen: int
    seen_within_target: int
    screened: int
    screened_within_target: int
    mean_minutes_to_seen: float | None
    mean_minutes_seen_to_screened: float | None
    target_minutes_to_seen: int
    target_minutes_to_screened: int

    @property
    def share_screened_within_target(self) -> float:
        return 100.0 * self.screened_within_target / self.referred if self.referred else 0.0

    @property
    def share_seen_within_target(self) -> float:
        return 100.0 * self.seen_within_target / self.referred if self.referred else 0.0


@dataclass(frozen=True)
class Dashboard:
    period: Period
    previous_period: Period
    site_names: tuple[str, ...]
    own_work_of: str | None            # a practitioner's dashboard: their own cases
    figures: tuple[Figure, ...]
    timeliness: Timeliness
    generated_at: datetime

    def figure(self, figure_id: str) -> Figure:
        for figure in self.figures:
            if figure.id == figure_id:
                return figure
        raise KeyError(figure_id)


@dataclass(frozen=True)
class DrillRow:
    case_id: uuid.UUID
    person_name: str
    site_name: str
    referral_time: datetime
    stage: str
