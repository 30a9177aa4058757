"""Read queries over people. A merged-away person (a redirect) is never listed or found:
only its survivor is (unless its merges form a cycle: then no record survives, see
``redirects.listed_clause``)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ld_desktop.store.models import Case, Person
from ld_desktop.store.redirects import listed_clause
from ld_desktop.store.search_index import search_person_ids


def visible_person_ids_clause(site_ids: list[uuid.UUID]):  # type: ignore[no-untyped-def]
    """People registered at one of these sites or with a case at one of them."""
    with_case = select(Case.person_id).where(Case.site_id.in_(site_ids))
    return or_(Person.site_id.in_(site_ids), Person.id.in_(with_case))


def search(session: Session, text: str, site_ids: list[uuid.UUID], limit: int) -> list[Person]:
    ids = search_person_ids(session, text, limit=limit * 4)
    if not ids:
        return []
    rows = session.scalars(
        select(Person).where(
            Person.id.in_(ids),
            Person.entered_in_error.is_(False),
            listed_clause(session),
            visible_person_ids_clause(site_ids),
        )
    ).all()
    order = {pid: i for i, pid in enumerate(ids)}
    return sorted(rows, key=lambda p: order[p.id])[:limit]


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
