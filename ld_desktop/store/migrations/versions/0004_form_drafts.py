"""form drafts kept through a lock or a crash

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

What someone typed into a form (a note, a risk rationale, handover notes) and has not saved
yet, per user, local to the workstation and never synced.
"""
import sqlalchemy as sa
from alembic import op

import ld_desktop.store.models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_draft",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", "key", name=op.f("pk_form_draft")),
    )


def downgrade() -> None:
    op.drop_table("form_draft")
