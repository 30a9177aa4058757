"""sequence number reservations: PostgreSQL pushes no longer hold the counter to commit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 17:20:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seq_reservations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
                  autoincrement=True),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backend_pid", sa.Integer(), nullable=True),
        sa.Column("backend_start", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seq_reservations")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # raised by a push whose reservation expired, aborting its one writing statement
        op.execute("""
            CREATE FUNCTION ld_reservation_lost() RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                RAISE EXCEPTION 'sequence reservation expired before commit'
                    USING ERRCODE = 'LDR01';
            END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ld_reservation_lost()")
    op.drop_table("seq_reservations")
