"""record_scope.seq: a pull finds its sites' changes without walking everyone's

Each scope row carries the newest sequence number of its record or of the record's conflicts,
indexed by (site_id, seq), so a pull starts from the changes in its own sites instead of
every change in the country since its cursor.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 17:20:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=False,
                                      server_default="0"))
        batch_op.drop_index("ix_record_scope_site")
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


def downgrade() -> None:
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.drop_index("ix_record_scope_site_seq")
        batch_op.create_index("ix_record_scope_site", ["site_id", "entity", "entity_id"])
        batch_op.drop_column("seq")
