"""record_scope.record_seq follows its record's number: kept by the database, not by each writer

A pull page chooses its records by `record_scope.record_seq` (migration 0008). Every write
path keeps it equal to the record's number, but a path that forgot would hide the change
from every workstation already past the old number, silently (found by review,
30/11/2026). A trigger now moves a record's scope rows whenever its number moves. Scope
rows are written with a new record in the push's own statement, so only updates of
`records.seq` need it (inserts pay nothing: the end-of-shift burst is almost all inserts).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 19:30:00

"""
from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MOVE = ("UPDATE record_scope SET record_seq = NEW.seq "
         "WHERE entity = NEW.entity AND entity_id = NEW.entity_id "
         "AND record_seq <> NEW.seq")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION record_scope_follows_record() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN {_MOVE}; RETURN NULL; END $$""")
        op.execute("""
            CREATE TRIGGER record_scope_follows_record
            AFTER UPDATE OF seq ON records FOR EACH ROW
            WHEN (OLD.seq IS DISTINCT FROM NEW.seq)
            EXECUTE FUNCTION record_scope_follows_record()""")
    else:
        op.execute(f"""
            CREATE TRIGGER record_scope_follows_record
            AFTER UPDATE OF seq ON records FOR EACH ROW WHEN OLD.seq IS NOT NEW.seq
            BEGIN {_MOVE}; END""")


def downgrade() -> None:
    op.execute("DROP TRIGGER record_scope_follows_record"
               + (" ON records" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION record_scope_follows_record()")
