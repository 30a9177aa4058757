"""Server tables (SQLAlchemy Core). Alembic migrations in `sync/server/migrations` create them.

Identifiers are text: UUIDs as 36 characters, portable between PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend; naive datetimes are refused."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

ID = sa.String(64)
UUID_TEXT = sa.String(36)

sites = sa.Table(
    "sites", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

staff = sa.Table(
    "staff", metadata,
    sa.Column("id", UUID_TEXT, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(100), nullable=False),
    sa.Column("sites", sa.JSON(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("updated_by", ID, nullable=True),
)

devices = sa.Table(
    "devices", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False, unique=True),
    sa.Column("enrolled_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen", UTCDateTime(), nullable=True),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
)

device_sites = sa.Table(
    "device_sites", metadata,
    sa.Column("device_id", ID, sa.ForeignKey("devices.id"), primary_key=True),
    sa.Column("site_id", ID, sa.ForeignKey("sites.id"), primary_key=True),
)

enrol_codes = sa.Table(
    "enrol_codes", metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("sites", sa.JSON(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("used_at", UTCDateTime(), nullable=True),
    sa.Column("device_id", ID, nullable=True),
)

# The first administrator's key, registered once with a one-time admin code (issue 12):
# the root every directory signature leads back to. One row at most (id is always 1).
authority_root = sa.Table(
    "authority_root", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("username", sa.String(128), nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("device_id", ID, nullable=False),
    sa.Column("registered_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)

admin_codes = sa.Table(
    "admin_codes", metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("used_at", UTCDateTime(), nullable=True),
)

nonces = sa.Table(
    "nonces", metadata,
    sa.Column("device_id", ID, primary_key=True),
    sa.Column("nonce", sa.String(64), primary_key=True),
    sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

# A single row holding the last global sequence number handed out. On SQLite a push holds the
# database's write lock from BEGIN to COMMIT, so numbers become visible in order. On PostgreSQL
# a push takes a block of numbers in a short transaction of its own and records it in
# `seq_reservations` until the transaction that writes those numbers commits: pullers read
# only below the oldest open reservation (see `seq_reservations.py`).
counter = sa.Table(
    "counter", metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

seq_reservations = sa.Table(
    "seq_reservations", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("first_seq", sa.BigInteger(), nullable=False),
    sa.Column("last_seq", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    # the PostgreSQL session that holds it: when that session is gone, so is the push
    sa.Column("backend_pid", sa.Integer(), nullable=True),
    sa.Column("backend_start", UTCDateTime(), nullable=True),
)

ops = sa.Table(
    "ops", metadata,
    sa.Column("server_seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("op_id", UUID_TEXT, nullable=False, unique=True),
    sa.Column("device_id", ID, nullable=False),
    sa.Column("device_seq", sa.BigInteger(), nullable=False),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("entity_id", UUID_TEXT, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("hlc", sa.String(128), nullable=False),
    sa.Column("schema_version", sa.Integer(), nullable=False),
    sa.Column("result", sa.JSON(), nullable=False),
    sa.Column("op", sa.JSON(), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("device_id", "device_seq", name="uq_ops_device_id_device_seq"),
)

records = sa.Table(
    "records", metadata,
    sa.Column("entity", sa.String(64), primary_key=True),
    sa.Column("entity_id", UUID_TEXT, primary_key=True),
    sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    sa.Column("fields", sa.JSON(), nullable=False),
    sa.Column("meta", sa.JSON(), nullable=False),   # field -> [op_id, hlc, device_id, user]
    # the record's wire JSON without its number, written with it (`record_body.py`)
    sa.Column("body", sa.Text(), nullable=False),
)

record_scope = sa.Table(
    "record_scope", metadata,
    sa.Column("entity", sa.String(64), primary_key=True),
    sa.Column("entity_id", UUID_TEXT, primary_key=True),
    sa.Column("site_id", ID, primary_key=True),     # "*" = every site
    # the record's own number (`records.seq`; 0 while only a link gave the scope): a pull
    # walks its sites' records in order through this index (migration 0008; the scope
    # row's own `seq`, the newest number of the record or its conflicts, read by nothing
    # since, was dropped by 0009)
    sa.Column("record_seq", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Index("ix_record_scope_site_record_seq", "site_id", "record_seq"),
)

conflicts = sa.Table(
    "conflicts", metadata,
    sa.Column("id", UUID_TEXT, primary_key=True),
    sa.Column("seq", sa.BigInteger(), nullable=False, index=True),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("entity_id", UUID_TEXT, nullable=False),
    sa.Column("field", sa.String(128), nullable=False),
    sa.Column("values", sa.JSON(), nullable=False),
    sa.Column("current", sa.JSON(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("resolution", sa.JSON(), nullable=True),
    sa.Index("ix_conflicts_record", "entity", "entity_id"),
)

# The audit copy: each device's own audit chain, append-only (see `audit_store.py`).
audit_events = sa.Table(
    "audit_events", metadata,
    sa.Column("device_id", ID, primary_key=True),
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("event_id", UUID_TEXT, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("prev_mac", sa.String(64), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
    sa.Column("body", sa.JSON(), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
)

# A different event sent for a place in a device's chain the server already held: kept apart
# (the copy is never overwritten) and reported by `ld-sync-server audit-check`.
audit_forks = sa.Table(
    "audit_forks", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("device_id", ID, nullable=False),
    sa.Column("seq", sa.BigInteger(), nullable=False),
    sa.Column("prev_mac", sa.String(64), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Index("ix_audit_forks_device", "device_id", "seq"),
)

GLOBAL_SCOPE = "*"

# Cross-site person lookups (`person_lookup.py`): who looked whom up, from where, for what.
person_lookups = sa.Table(
    "person_lookups", metadata,
    sa.Column("id", UUID_TEXT, primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("device_id", ID, nullable=False),
    sa.Column("user", sa.String(128), nullable=False),
    sa.Column("site_id", ID, nullable=False),
    sa.Column("case_id", UUID_TEXT, nullable=False),
    sa.Column("by", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("matched", sa.JSON(), nullable=False),
)

person_lookup_matches = sa.Table(
    "person_lookup_matches", metadata,
    sa.Column("lookup_id", UUID_TEXT, sa.ForeignKey("person_lookups.id"), primary_key=True),
    sa.Column("person_id", UUID_TEXT, primary_key=True),
    sa.Index("ix_person_lookup_matches_person", "person_id"),
)
