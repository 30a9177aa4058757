"""Age rules: juveniles under PACE, Gillick competence, record retention."""

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


def needs_gillick(age: int) -> bool:
    return age < GILLICK_BELOW


def retention_until(
    date_of_birth: date | None, last_contact: date, died: date | None = None
) -> date:
    """Records Management Code 2021, treated as mental health records.

    20 years after last contact (10 after death); children's records until 25th birthday
    (26th if the person was 17 at the end of care), whichever is later.
    """
    if died is not None:
        return _add_years(died, 10)
    keep = _add_years(last_contact, 20)
    if date_of_birth is not None and age_on(date_of_birth, last_contact) < ADULT_AGE:
        until_age = 26 if age_on(date_of_birth, last_contact) == 17 else 25
        keep = max(keep, _add_years(date_of_birth, until_age))
    return keep


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
