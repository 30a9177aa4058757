"""Licensed instruments a service installs itself (``ld-admin instruments import FILE``).

The definition file has already been validated against the instrument schema by the caller;
here it is recorded in the encrypted store, audited, and offered by the instrument library
alongside the shipped ones. Only administrators import (a configuration change).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ld_desktop.domain.ids import new_id
from ld_desktop.domain.roles import Permission
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.instrument_queries import imported_definitions, store_definition


@dataclass(frozen=True)
class ImportedDefinition:
    id: uuid.UUID
    instrument_id: str
    version: str
    definition: dict[str, Any]
    imported_by: str


class InstrumentImports:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def record(self, definition: dict[str, Any]) -> ImportedDefinition:
        self._s.require(Permission.CONFIGURE)
        instrument_id = str(definition.get("id", "")).strip()
        version = str(definition.get("version", "")).strip()
        if not instrument_id or not version:
            raise ValueError("The definition has no id or version.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row_id = store_definition(uow.session, new_id(), instrument_id, version, definition,
                                      self._s.user.username)
            uow.audit("instrument-imported",
                      detail={"instrument": instrument_id, "version": version})
        self._s.bus.publish(Changes(frozenset({"instrument"})))
        return ImportedDefinition(row_id, instrument_id, version, definition,
                                  self._s.user.username)

    def all(self) -> list[ImportedDefinition]:
        with self._s.store.reading() as db:
            return [ImportedDefinition(r.id, r.instrument_id, r.version, dict(r.definition),
                                       r.imported_by) for r in imported_definitions(db)]


def record_imported_instrument(
    data_dir: Path, username: str, passphrase: str, definition: dict[str, Any]
) -> ImportedDefinition:
    """For ``ld-admin instruments import``: unlock, record, lock again."""
    session = Workstation(data_dir).unlock(username, passphrase)
    try:
        return InstrumentImports(session).record(definition)
    finally:
        session.lock("command finished")
