"""Pathway time targets (per contract, so configurable) and what counts as overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Targets:
    """Minutes allowed for each step; a local contract sets its own."""

    referral_to_seen: int = 120
    seen_to_screened: int = 240
    referral_to_screened: int = 360

    def to_json(self) -> dict[str, int]:
        return {
            "referral_to_seen": self.referral_to_seen,
            "seen_to_screened": self.seen_to_screened,
            "referral_to_screened": self.referral_to_screened,
        }

    @classmethod
    def from_json(cls, data: dict[str, int]) -> Targets:
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})


def breaches(
    targets: Targets,
    referral_time: datetime,
    seen_at: datetime | None,
    screened_at: datetime | None,
    now: datetime,
) -> list[str]:
    """Plain-words list of the targets this case has missed (or is missing now)."""
    found: list[str] = []
    seen_by = referral_time + timedelta(minutes=targets.referral_to_seen)
    if (seen_at or now) > seen_by:
        found.append("not seen within target" if seen_at is None else "seen late")
    screened_by = referral_time + timedelta(minutes=targets.referral_to_screened)
    if (screened_at or now) > screened_by:
        found.append("not screened within target" if screened_at is None else "screened late")
    return found


def waited(since: datetime, now: datetime) -> str:
    """How long since ``since``, in words: "25 min", "3 h 05 min", "4 days"."""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} days"
