"""Where a screening is in its life: begun, finished, checked by a senior."""

from __future__ import annotations

from enum import StrEnum


class ScreeningState(StrEnum):
    DRAFT = "draft"              # answers being entered; not a result yet
    COMPLETED = "completed"      # scored, awaiting a senior's sign-off
    SIGNED_OFF = "signed-off"    # checked; amended only by a new screening

    @classmethod
    def finished(cls) -> tuple[ScreeningState, ...]:
        """States with a result (completed or signed off)."""
        return (cls.COMPLETED, cls.SIGNED_OFF)
