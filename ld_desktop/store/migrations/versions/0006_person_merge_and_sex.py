"""person: sex, merge redirects; record_change history

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30

``sex`` holds an NHS Data Dictionary PERSON PHENOTYPIC SEX code (resources/codes), kept
apart from gender. A person merged into another keeps its row as a redirect:
``merged_into`` names the survivor and ``merge_detail`` what the merge moved (so any
workstation can undo it). ``forwarded_versions`` is local bookkeeping (never synced): which
late edits to a redirect this workstation has already passed on to the survivor.
``record_change`` (synced, append-only) keeps each correction, merge and move with the old
and new values, for the timeline.
"""
import sqlalchemy as sa
from alembic import op

import ld_desktop.store.models.base

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("sex", sa.String(), nullable=False, server_default="X"))
        batch.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("merge_detail", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("forwarded_versions", sa.JSON(), nullable=False,
                                   server_default="{}"))
    # partial: SQLite uses it for "merged_into IS NOT NULL" (it skipped a full index)
    op.create_index("ix_person_merged_into", "person", ["merged_into"],
                    sqlite_where=sa.text("merged_into IS NOT NULL"))
    op.create_table(
        "record_change",
        sa.Column("record_entity", sa.String(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("sites", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("created_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", ld_desktop.store.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_change")),
    )
    op.create_index("ix_record_change_record", "record_change", ["record_entity", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_change_record", table_name="record_change")
    op.drop_table("record_change")
    op.drop_index("ix_person_merged_into", table_name="person")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("forwarded_versions")
        batch.drop_column("merge_detail")
        batch.drop_column("merged_into")
        batch.drop_column("sex")
