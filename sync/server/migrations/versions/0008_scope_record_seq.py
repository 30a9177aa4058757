"""record_scope.record_seq: a pull walks its sites' records in order, one page at a time

Each scope row also carries its record's own sequence number (`records.seq`; 0 while the
record is not on the server yet, a scope given through a link), indexed by
(site_id, record_seq). A pull page reads the first rows of that index after its cursor and
stops: it no longer looks up every record of its sites changed since the cursor (all of a
site's records, for a new workstation's first sync) to sort them and keep 500.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.add_column(sa.Column("record_seq", sa.BigInteger(), nullable=False,
                                      server_default="0"))
    op.execute("""
        UPDATE record_scope SET record_seq = COALESCE((
            SELECT r.seq FROM records AS r
            WHERE r.entity = record_scope.entity AND r.entity_id = record_scope.entity_id
        ), 0)
    """)
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.create_index("ix_record_scope_site_record_seq", ["site_id", "record_seq"])


def downgrade() -> None:
    with op.batch_alter_table("record_scope") as batch_op:
        batch_op.drop_index("ix_record_scope_site_record_seq")
        batch_op.drop_column("record_seq")
