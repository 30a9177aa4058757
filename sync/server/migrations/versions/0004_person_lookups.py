"""person_lookups: every cross-site person lookup, who made it, for which case and site,
and whom it found (so a person's audit shows who looked them up from where)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:45:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_lookups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("by", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
    )
    op.create_table(
        "person_lookup_matches",
        sa.Column("lookup_id", sa.String(36), sa.ForeignKey("person_lookups.id"),
                  primary_key=True),
        sa.Column("person_id", sa.String(36), primary_key=True),
    )
    op.create_index("ix_person_lookup_matches_person", "person_lookup_matches", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_person_lookup_matches_person", "person_lookup_matches")
    op.drop_table("person_lookup_matches")
    op.drop_table("person_lookups")
