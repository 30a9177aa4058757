"""users' signing keys and signatures on directory records and screenings

Revision ID: 0008
Revises: 0011
Create Date: 2026-11-30

Issue 12 item 2: staff carry the public halves of their personal keys; staff, sites and
screenings carry the attestation (sync.op_signing) of the change that set them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch_op:
        batch_op.add_column(sa.Column("signing_keys", sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.add_column(sa.Column("attestation", sa.JSON(), nullable=True))
    for table in ("site", "screening"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("attestation", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("screening", "site"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("attestation")
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_column("attestation")
        batch_op.drop_column("signing_keys")
