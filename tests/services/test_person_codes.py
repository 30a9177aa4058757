"""The person code lists in resources/codes: every code has its source, and the ethnic
categories the domain still names agree with the published list."""

from __future__ import annotations

from ld_desktop.domain.pathway import ETHNIC_CATEGORIES
from ld_desktop.services.person_codes import ethnic_categories, sex_codes


def test_every_code_names_its_source_and_codes_are_unique() -> None:
    for codes in (ethnic_categories(), sex_codes()):
        assert all(c.source.startswith("NHS Data Dictionary") for c in codes)
        assert len({c.code for c in codes}) == len(codes)


def test_the_domain_list_matches_the_resource() -> None:
    assert {c.code: c.label for c in ethnic_categories()} == ETHNIC_CATEGORIES
