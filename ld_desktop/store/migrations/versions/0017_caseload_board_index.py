"""index the caseload board covers its work with

Revision ID: 0017
Revises: 0009
Create Date: 2026-11-30

Issue 17: unlocking to the caseload counted and ordered every open case at the user's sites
by reading each case row (urgency, seen and screened times, risk level), one random page
of the table per case: 66,000 open cases took seconds even once decrypted. This index holds
everything the board filters, counts and orders by (and the case id), so the totals and the
page's order are read from the index alone; only the page's 300 rows are then read whole.
"""
from alembic import op

revision = "0017"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ["site_id", "stage", "entered_in_error", "urgency", "referral_time", "seen_at",
           "screened_at", "risk_level", "id"]


def upgrade() -> None:
    op.create_index("ix_case_board", "case", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_case_board", "case")
