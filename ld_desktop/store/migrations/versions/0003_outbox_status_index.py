"""index the outbox by status

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

The status bar counts changes refused by the server (``status = 'rejected'``) after every
change; without an index that walked the whole outbox (1.3 s with 300,000 unsynced changes).
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_status", "outbox", ["status"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status", table_name="outbox")
