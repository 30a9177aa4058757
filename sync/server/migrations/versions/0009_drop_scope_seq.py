"""record_scope.seq dropped, with its index: nothing reads it since 0008

Pulls walk their sites' records through (site_id, record_seq) (migration 0008) and read
conflicts through their own seq index; the scope row's `seq` (the newest number of the
record or its conflicts) was still written by every push, an index entry per scope row
written, and read by nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.drop_index("ix_record_scope_site_seq")
        batch_op.drop_column("seq")


def downgrade() -> None:
    """Back as migration 0003 made it: the newest number of the record or its conflicts."""
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=False,
                                      server_default="0"))
    op.execute("""
        UPDATE record_scope SET seq = COALESCE((
            SELECT max(change) FROM (
                SELECT r.seq AS change FROM records AS r
                WHERE r.entity = record_scope.entity AND r.entity_id = record_scope.entity_id
                UNION ALL
                SELECT c.seq FROM conflicts AS c
                WHERE c.entity = record_scope.entity AND c.entity_id = record_scope.entity_id
            ) AS changes), 0)
    """)
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.create_index("ix_record_scope_site_seq", ["site_id", "seq"])
