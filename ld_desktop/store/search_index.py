"""Full-text search over people, inside the encrypted database (SQLite FTS5).

What a person's entry holds is built in one place, ``domain/person_search.py``: names and
aliases in one column, compact identifiers in another. Every token is a prefix match.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from ld_desktop.domain.person_search import PersonSearchText, compact
from ld_desktop.store import prepared

_DATE_UK = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


# on the DB-API connection for one person (every save re-indexes), through the session's
# connection for a page's people
_UNINDEX_SQL = "DELETE FROM person_search WHERE rowid = ?"
_INDEX_SQL = ("INSERT INTO person_search (rowid, person_id, names, identifiers) "
              "VALUES (?, ?, ?, ?)")


def _date_token(token: str) -> str | None:
    match = _DATE_UK.match(token)
    if match:
        day, month, year = match.groups()
    else:
        match = _DATE_ISO.match(token)
        if not match:
            return None
        year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day)).strftime("%Y%m%d")
    except ValueError:
        return None


def search_rowid(person_id: uuid.UUID) -> int:
    """The person's row in the FTS table: derived from the id, so re-indexing finds the old
    row by rowid instead of scanning the (unindexed) id column of every row."""
    return person_id.int & _ROWID_MASK


_ROWID_MASK = (1 << 63) - 1


def index_person(session: Session, person_id: uuid.UUID, entry: PersonSearchText) -> None:
    """Write (or replace) the person's entry, built by ``person_search_text``."""
    rowid = search_rowid(person_id)
    connection, dialect = prepared.driver(session), prepared.dialect_of(session)
    prepared.run(connection, dialect, _UNINDEX_SQL, (rowid,))
    prepared.run(connection, dialect, _INDEX_SQL,
                 (rowid, str(person_id), entry.names, entry.identifiers))


def index_people(session: Session, entries: Iterable[tuple[str, PersonSearchText]]
                 ) -> None:
    """Write (or replace) these people's entries, each person by their id as stored (32
    hex digits in lower case, as a pulled page's re-index reads them: no ``uuid.UUID``
    made for each): one DELETE and one batch of INSERTs however many there are."""
    rows = list({row[0]: row for row in (
        (int(hex_id, 16) & _ROWID_MASK,
         f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}",
         entry.names, entry.identifiers)
        for hex_id, entry in entries)}.values())
    if not rows:
        return
    # in rowid order: the FTS table's content and sizes are tables keyed by rowid, and a
    # rowid is random (from the id); inserted in order, each B-tree page is reached once
    # (a first sync of 60,000 records: 7.8-9.4 against 3.1-4.0 us a pulled record for
    # this INSERT; docs/sync.md, "Pages applied together")
    rows.sort()
    connection = session.connection()
    connection.exec_driver_sql("DELETE FROM person_search WHERE rowid IN "
                               f"({', '.join(str(row[0]) for row in rows)})")
    connection.exec_driver_sql(_INDEX_SQL, rows)


def fts_query(user_text: str) -> str | None:
    """Turn what someone typed into an FTS5 query: every token must match as a prefix."""
    parts: list[str] = []
    for raw in user_text.split():
        token = _date_token(raw) or compact(raw)
        if token:
            parts.append(f'"{token}"*')
    # Digits typed with spaces ("943 476 5919") also match as one compact identifier.
    digits = "".join(ch for ch in user_text if ch.isdigit())
    if len(parts) > 1 and digits and all(ch.isdigit() or ch.isspace() for ch in user_text.strip()):
        return f'"{digits}"*'
    return " AND ".join(parts) if parts else None


def search_person_ids(session: Session, user_text: str, limit: int = 200,
                      *, ranked: bool = True) -> list[uuid.UUID]:
    """People matching what was typed; ``ranked=False`` skips bm25 ranking (several times
    cheaper) for callers that sort the results themselves."""
    query = fts_query(user_text)
    if query is None:
        return []
    order = " ORDER BY rank" if ranked else ""
    rows = session.execute(
        text(f"SELECT person_id FROM person_search WHERE person_search MATCH :q{order} "
             "LIMIT :limit"),
        {"q": query, "limit": limit},
    )
    return [uuid.UUID(r[0]) for r in rows]
