"""person: sex, and merge redirects

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30

``sex`` holds an NHS Data Dictionary PERSON PHENOTYPIC SEX code (resources/codes), kept
apart from gender. A person merged into another keeps its row as a redirect:
``merged_into`` names the survivor and ``merge_detail`` what the merge moved (so any
workstation can undo it). ``forwarded_versions`` is local bookkeeping (never synced): which
late edits to a redirect this workstation has already passed on to the survivor.
"""
import sqlalchemy as sa
from alembic import op

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
        batch.create_index("ix_person_merged_into", ["merged_into"])


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_index("ix_person_merged_into")
        batch.drop_column("forwarded_versions")
        batch.drop_column("merge_detail")
        batch.drop_column("merged_into")
        batch.drop_column("sex")
