"""quarantine for pulled records this version cannot apply

Revision ID: 0005
Revises: 0006
Create Date: 2026-11-30

A pulled record that cannot be applied (a newer record type, a value this version cannot
read) is set aside here with the reason, and the pull moves on past it. It is retried after
an upgrade and at a user's request.
"""
import sqlalchemy as sa
from alembic import op

import ld_desktop.store.models.base

revision = "0005"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantined_record",
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("waits_for", sa.Uuid(), nullable=True),
        sa.Column("reader_version", sa.String(), nullable=False),
        sa.Column("first_seen_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_tried_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "entity_id", name=op.f("pk_quarantined_record")),
    )


def downgrade() -> None:
    op.drop_table("quarantined_record")
