"""What a person's search-index entry holds: the one place it is built.

Names and aliases go in one column; identifiers (NHS number, date of birth, custody record
numbers) in compact form in another, so "943 476 5919", "9434765919", "01/02/1990" and
"CR-26-001" all find what a practitioner expects (``store/search_index.py`` writes the entry
and turns what was typed into a query with the same ``compact``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol


class SearchablePerson(Protocol):
    """What the index needs of a person (a stored record or its view)."""

    @property
    def given_name(self) -> str: ...
    @property
    def family_name(self) -> str: ...
    @property
    def aliases(self) -> Sequence[str] | None: ...
    @property
    def nhs_number(self) -> str | None: ...
    @property
    def date_of_birth(self) -> date | None: ...


@dataclass(frozen=True)
class PersonSearchText:
    names: str          # given and family name, then every alias
    identifiers: str    # NHS number, date of birth (YYYYMMDD), custody record numbers


def compact(token: str) -> str:
    """Lower case, letters and digits only: how identifiers are indexed and searched."""
    return "".join(filter(str.isalnum, token.casefold()))


def date_token(day: date) -> str:
    """``day.strftime("%Y%m%d")``, from ``isoformat`` where that is the same text (a
    four-digit year; the C library does not pad a shorter one): strftime is ~2 us, and a
    first sync indexes every person it pulls."""
    if type(day) is date and day.year >= 1000:
        return day.isoformat().replace("-", "")
    return day.strftime("%Y%m%d")


def person_search_text(person: SearchablePerson,
                       custody_numbers: Iterable[str | None] = ()) -> PersonSearchText:
    """The entry for this person, with the custody record numbers of their cases, sorted:
    the same text whatever order the cases come in (a pulled page's batch and the same
    records applied one by one store them in different orders)."""
    names = [person.given_name, person.family_name, *(person.aliases or ())]
    identifiers = [compact(person.nhs_number or "")]
    if person.date_of_birth:
        identifiers.append(date_token(person.date_of_birth))
    identifiers += sorted(compact(n) for n in custody_numbers if n)
    return PersonSearchText(" ".join(n for n in names if n),
                            " ".join(i for i in identifiers if i))
