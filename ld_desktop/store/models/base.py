"""One typed declarative base: UUID ids, timezone-aware UTC datetimes (naive ones rejected),
JSON columns, a naming convention for constraints, and the sync bookkeeping every synced
record carries."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.field_versions import compact, expand

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; refuses naive datetimes; always returns aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: use timezone-aware UTC datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        list[dict[str, Any]]: JSON(),
        str: String(),
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


class SyncedRecord:
    """Mixin for records that sync field by field.

    ``field_versions`` maps each field to the op id that last set it (its version token). It
    is stored compactly in the ``field_versions`` column (``store/field_versions.py``): read
    and assign the whole map through this property; never change it in place.
    ``__entity__`` names the record type on the wire (a ``SyncedEntity``).
    ``__local_fields__`` never sync.
    """

    __entity__: ClassVar[SyncedEntity]
    __append_only__: ClassVar[bool] = False
    __local_fields__: ClassVar[frozenset[str]] = frozenset()
    # every change is a whole-record op signed by its user (the staff and site directory)
    __signed__: ClassVar[bool] = False

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    stored_versions: Mapped[dict[str, Any]] = mapped_column("field_versions", default=dict)
    entered_in_error: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def field_versions(self) -> dict[str, Any]:
        from ld_desktop.store.wire_values import synced_fields  # wire_values imports us

        return expand(self.stored_versions or {}, synced_fields(type(self)))

    @field_versions.setter
    def field_versions(self, versions: dict[str, Any]) -> None:
        from ld_desktop.store.wire_values import synced_fields

        self.stored_versions = compact(versions, synced_fields(type(self)))

    def sync_sites(self) -> list[str]:
        site = getattr(self, "site_id", None)
        return [str(site)] if site is not None else []

    def sync_links(self) -> list[tuple[str, uuid.UUID]]:
        return []
