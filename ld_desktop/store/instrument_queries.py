"""Imported (licensed) instrument definitions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.store.models import ImportedInstrument


def store_definition(session: Session, row_id: uuid.UUID, instrument_id: str, version: str,
                     definition: dict[str, Any], imported_by: str) -> uuid.UUID:
    """Insert, or replace the definition of the same instrument id and version."""
    existing = session.scalars(select(ImportedInstrument).where(
        ImportedInstrument.instrument_id == instrument_id,
        ImportedInstrument.version == version)).first()
    if existing is not None:
        existing.definition = definition
        existing.imported_by = imported_by
        return existing.id
    session.add(ImportedInstrument(id=row_id, instrument_id=instrument_id, version=version,
                                   definition=definition, imported_by=imported_by))
    return row_id


def imported_definitions(session: Session) -> list[ImportedInstrument]:
    return list(session.scalars(select(ImportedInstrument).order_by(
        ImportedInstrument.instrument_id, ImportedInstrument.version)))
