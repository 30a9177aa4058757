"""authority_root and admin_codes: the first administrator's key, registered once

`ld-sync-server admin-code` issues a one-time code; the first workstation's administrator
claims it with their personal public key (issue 12, item 2). Directory changes are accepted
only under signatures that lead back to this key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:20:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "authority_root",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_authority_root_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority_root")),
    )
    op.create_table(
        "admin_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_admin_codes")),
    )


def downgrade() -> None:
    op.drop_table("admin_codes")
    op.drop_table("authority_root")
