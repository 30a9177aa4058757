"""skipped screening suggestions kept as records, not as note text

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Issue 18: the case page decided which instruments to suggest by parsing note bodies
("Suggested PHQ-9 not completed: ..."), so a clinician's own note could hide a suggestion.
A skip is now a synced, append-only ``skipped_suggestion`` record on the case. Notes written
by earlier versions stay notes (they are part of the clinical record); the service still
recognises the ones the app itself wrote, through this workstation's audit chain
(``store/clinical_queries.legacy_skip_notes``).
"""
import sqlalchemy as sa
from alembic import op

import ld_desktop.store.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skipped_suggestion",
        sa.Column("instrument_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("skipped_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("screening_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("created_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"],
                                name=op.f("fk_skipped_suggestion_case_id_case")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"],
                                name=op.f("fk_skipped_suggestion_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skipped_suggestion")),
    )
    with op.batch_alter_table("skipped_suggestion") as batch_op:
        batch_op.create_index(batch_op.f("ix_skipped_suggestion_case_id"), ["case_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("skipped_suggestion") as batch_op:
        batch_op.drop_index(batch_op.f("ix_skipped_suggestion_case_id"))
    op.drop_table("skipped_suggestion")
