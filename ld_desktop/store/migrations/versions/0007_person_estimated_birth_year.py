"""a person's estimated year of birth when the date of birth is unknown

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30

Referral intake no longer defaults an unknown date of birth to 01/01/1990: it is either
entered or marked unknown with an estimated age, kept as the year of birth it implies (so the
estimate does not drift as the person gets older). A synced person field.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("estimated_birth_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("estimated_birth_year")
