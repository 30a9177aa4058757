"""A person's search-index entry, built in one place from the person and their custody
record numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from ld_desktop.domain.person_search import (
    PersonSearchText,
    compact,
    date_token,
    person_search_text,
)


@dataclass(frozen=True)
class _Someone:
    given_name: str = "Amira"
    family_name: str = "Okonkwo-Hale"
    aliases: tuple[str, ...] = ("Mira Stone",)
    nhs_number: str | None = "943 476 5919"
    date_of_birth: date | None = date(1990, 2, 1)


def test_names_hold_every_alias_and_identifiers_are_compact() -> None:
    entry = person_search_text(_Someone(), ["NG/04512/26", None, ""])
    assert entry == PersonSearchText("Amira Okonkwo-Hale Mira Stone",
                                     "9434765919 19900201 ng0451226")


def test_a_person_with_nothing_but_a_name() -> None:
    entry = person_search_text(_Someone(aliases=(), nhs_number=None, date_of_birth=None))
    assert entry == PersonSearchText("Amira Okonkwo-Hale", "")


def test_compact_folds_case_and_drops_punctuation() -> None:
    assert compact("CR-26-001") == "cr26001"
    assert compact("943 476 5919") == "9434765919"


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
@example(date(999, 12, 31))
@example(date(1000, 1, 1))
def test_a_date_of_birth_token_is_strftimes(day: date) -> None:
    assert date_token(day) == day.strftime("%Y%m%d")
