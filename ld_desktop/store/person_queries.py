"""Read queries over people. A merged-away person (a redirect) is never listed or found:
only its survivor is (unless its merges form a cycle: then no record survives, see
``redirects.listed_clause``)."""

from __future__ import annotations

import json
import uuid
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ld_desktop.store import prepared
from ld_desktop.store.models import Case, Person
from ld_desktop.store.redirects import listed_clause
from ld_desktop.store.search_index import fts_query


def visible_person_ids_clause(site_ids: list[uuid.UUID]):  # type: ignore[no-untyped-def]
    """People registered at one of these sites or with a case at one of them."""
    with_case = select(Case.person_id).where(Case.site_id.in_(site_ids))
    return or_(Person.site_id.in_(site_ids), Person.id.in_(with_case))


# What a search result shows, in this order: id, given name, family name, date of birth,
# NHS number, NHS number status.
SummaryRow = tuple[uuid.UUID, str, str, date | None, str | None, str]
SEARCH_HEADROOM = 4   # ranked matches considered per result wanted (some are not visible)


# The search, as SQL text on the DB-API connection (``prepared``): fixed texts (the second
# depends only on the number of sites), so the driver keeps them prepared and no expression
# is built or compiled per search. First the FTS5 match, ranked and limited, ids only: the
# ranking function runs once a row, inside FTS5's own sort (selecting ``rank`` for a join
# ran it again for every hit: 0.4 ms of a 2 ms search at 100,000 people, issue 17). Then,
# in the same read transaction, those people's summary columns only, by primary key from a
# JSON list; listed: not merged away, unless the redirect is in a cycle of merges
# (``redirects.merge_cycle_ids``: for a hit that is a redirect, and only then, the records
# it was merged into are walked until the walk comes back to it or ends); visible when
# registered at one of my sites or with a case there (a correlated EXISTS looks the
# person's cases up by index). The ranked order is put back in Python.
_HITS_SQL = ("SELECT person_id FROM person_search WHERE person_search MATCH ? "
             "ORDER BY rank LIMIT ?")
_SUMMARIES_SQL = """SELECT person.id, person.given_name, person.family_name,
  person.date_of_birth, person.nhs_number, person.nhs_number_status
FROM person WHERE person.id IN (SELECT replace(value, '-', '') FROM json_each(?))
  AND person.entered_in_error IS 0
  AND (person.merged_into IS NULL OR EXISTS (
    WITH RECURSIVE onward(id) AS (SELECT person.merged_into UNION
      SELECT p.merged_into FROM onward JOIN person AS p ON p.id = onward.id
      WHERE p.merged_into IS NOT NULL)
    SELECT 1 FROM onward WHERE onward.id = person.id))
  AND (person.site_id IN ({sites}) OR EXISTS (SELECT 1 FROM "case"
       WHERE "case".person_id = person.id AND "case".site_id IN ({sites})))"""
_SUMMARIES_BY_SITES: dict[int, str] = {}


def _summaries_sql(sites: int) -> str:
    sql = _SUMMARIES_BY_SITES.get(sites)
    if sql is None:
        sql = _SUMMARIES_BY_SITES[sites] = _SUMMARIES_SQL.replace("{sites}",
                                                                  ", ".join("?" * sites))
    return sql


def search(session: Session, text: str, site_ids: list[uuid.UUID], limit: int
           ) -> list[SummaryRow]:
    """People matching what was typed, best match first: the ranked ids, then their
    summaries (one read transaction: the caller's)."""
    query = fts_query(text)
    if query is None or not site_ids:
        return []
    hits = [pid for (pid,) in prepared.execute(session, _HITS_SQL,
                                               [query, limit * SEARCH_HEADROOM])]
    if not hits:
        return []
    sites = [site.hex for site in site_ids]     # as the Uuid column stores them
    sql = _summaries_sql(len(sites))
    rows: list[SummaryRow] = []
    # the best `limit` hits first, the next only if some were not listed or not visible:
    # each person read is a page of the table, often not in the cache
    for start in range(0, len(hits), limit):
        chunk = hits[start:start + limit]
        found = {pid: row for pid, *row in prepared.execute(
            session, sql, [json.dumps(chunk), *sites, *sites])}
        for hit in chunk:                       # the FTS5 rank order
            row = found.get(hit.replace("-", ""))
            if row is not None:
                given, family, born, nhs, status = row
                rows.append((uuid.UUID(hit), given, family,
                             None if born is None else date.fromisoformat(born), nhs,
                             status))
                if len(rows) == limit:
                    return rows
    return rows


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
