"""Read queries over people. A merged-away person (a redirect) is never listed or found:
only its survivor is (unless its merges form a cycle: then no record survives, see
``redirects.listed_clause``)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Select,
    String,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from ld_desktop.store.models import Case, Person
from ld_desktop.store.redirects import listed_clause, merge_cycle_ids
from ld_desktop.store.search_index import fts_query


def visible_person_ids_clause(site_ids: list[uuid.UUID]):  # type: ignore[no-untyped-def]
    """People registered at one of these sites or with a case at one of them."""
    with_case = select(Case.person_id).where(Case.site_id.in_(site_ids))
    return or_(Person.site_id.in_(site_ids), Person.id.in_(with_case))


# What a search result shows, in this order: id, given name, family name, date of birth,
# NHS number, NHS number status.
SummaryRow = tuple[uuid.UUID, str, str, date | None, str | None, str]
SEARCH_HEADROOM = 4   # ranked matches considered per result wanted (some are not visible)


def _search_statement(listed: ColumnElement[bool] | None = None,
                      ) -> Select[uuid.UUID, str, str, date | None, str | None, str]:
    """Built once: the FTS5 match ranked and limited, joined to the person's summary columns
    only; listed (``redirects.listed_clause``: not merged away, by default); visible when
    registered at one of my sites or with a case there (a correlated
    EXISTS looks the person's cases up by index instead of listing every case at the
    sites)."""
    hits = (
        sql_text("SELECT person_id, rank FROM person_search WHERE person_search MATCH :q "
                 "ORDER BY rank LIMIT :over")
        .columns(person_id=String, rank=Float)
        .subquery("hits")
    )
    sites: BindParameter[list[uuid.UUID]] = bindparam("sites", expanding=True)
    has_case = select(Case.id).where(Case.person_id == Person.id, Case.site_id.in_(sites))
    return (
        select(Person.id, Person.given_name, Person.family_name, Person.date_of_birth,
               Person.nhs_number, Person.nhs_number_status)
        # the index keeps the id as text with hyphens; the Uuid column as 32 hex digits
        .join_from(hits, Person, Person.id == func.replace(hits.c.person_id, "-", ""))
        .where(Person.entered_in_error.is_(False),
               Person.merged_into.is_(None) if listed is None else listed,
               or_(Person.site_id.in_(sites), has_case.exists()))
        .order_by(hits.c.rank)
        .limit(bindparam("limit"))
    )


_SEARCH = _search_statement()


def search(session: Session, text: str, site_ids: list[uuid.UUID], limit: int
           ) -> list[SummaryRow]:
    """People matching what was typed, best match first, in one statement (issue 17)."""
    query = fts_query(text)
    if query is None or not site_ids:
        return []
    # Built once for the usual case; a merge cycle (rare, see redirects.py) needs its own.
    cycle = merge_cycle_ids(session)
    stmt = _search_statement(listed_clause(session)) if cycle else _SEARCH
    # Core, not the ORM: plain columns need none of its per-row machinery
    rows = session.connection().execute(stmt, {"q": query, "over": limit * SEARCH_HEADROOM,
                                  "sites": list(site_ids), "limit": limit})
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


def page(session: Session, site_ids: list[uuid.UUID], offset: int, limit: int,
         sort: str = "family_name", descending: bool = False) -> list[Person]:
    column = {
        "family_name": Person.family_name,
        "given_name": Person.given_name,
        "date_of_birth": Person.date_of_birth,
        "nhs_number": Person.nhs_number,
    }.get(sort, Person.family_name)
    stmt = (
        select(Person)
        .where(Person.entered_in_error.is_(False), listed_clause(session),
               visible_person_ids_clause(site_ids))
        .order_by(column.desc() if descending else column.asc(), Person.id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def count(session: Session, site_ids: list[uuid.UUID]) -> int:
    stmt = select(func.count()).select_from(Person).where(
        Person.entered_in_error.is_(False), listed_clause(session),
        visible_person_ids_clause(site_ids)
    )
    return int(session.scalar(stmt) or 0)


def possible_duplicates(
    session: Session,
    given_name: str,
    family_name: str,
    date_of_birth: date | None,
    nhs_number: str | None,
) -> list[Person]:
    """Same NHS number, or same date of birth and a similar name (across all sites: a
    duplicate registration is a safety risk wherever the first record lives)."""
    clauses = []
    if nhs_number:
        clauses.append(Person.nhs_number == nhs_number)
    if date_of_birth is not None:
        clauses.append(
            (Person.date_of_birth == date_of_birth)
            & (
                (func.lower(Person.family_name) == family_name.casefold())
                | (func.lower(Person.given_name) == given_name.casefold())
            )
        )
    if not clauses:
        return []
    stmt = select(Person).where(or_(*clauses), Person.entered_in_error.is_(False),
                                listed_clause(session)).limit(20)
    return list(session.scalars(stmt))


def get_visible(
    session: Session, person_id: uuid.UUID, site_ids: list[uuid.UUID]
) -> Person | None:
    return session.scalars(
        select(Person).where(Person.id == person_id, visible_person_ids_clause(site_ids))
    ).first()
