"""Age rules: juveniles under PACE, Gillick competence."""

from __future__ import annotations

from datetime import date

YOUTH_MIN_AGE = 10      # age of criminal responsibility in England and Wales
ADULT_AGE = 18
GILLICK_BELOW = 16      # under 16: consent depends on Gillick competence, judged per decision


def age_on(date_of_birth: date, on: date) -> int:
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def is_youth(age: int) -> bool:
    """A juvenile under PACE: needs an appropriate adult; youth pathway applies."""
    return age < ADULT_AGE
