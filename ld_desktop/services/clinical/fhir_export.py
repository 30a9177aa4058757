"""Export a case's signed-off screenings as a FHIR R4 / UK Core Bundle, audited as an
export. Only signed-off screenings leave the workstation; a screening replaced by a
signed-off amendment is left out (the amendment goes instead)."""

from __future__ import annotations

import uuid
from typing import Any

from ld_desktop.domain.instruments.fhir import (
    ExportScreening,
    ExportSubject,
    NotExportable,
    screenings_bundle,
)
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.access import case_for_view
from ld_desktop.services.clinical.screenings import FLOW_KEY
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case
from ld_desktop.store.models import Person, Screening

__all__ = ["FhirExportService", "NotExportable", "sex_of"]


def sex_of(person: Person) -> str | None:
    """The recorded gender where it is female or male (used for sex-specific cut-offs)."""
    return person.gender if person.gender in ("female", "male") else None


class FhirExportService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def export_case(self, case_id: uuid.UUID, screening_id: uuid.UUID | None = None
                    ) -> dict[str, Any]:
        """The Bundle for the case's signed-off screenings (or just ``screening_id``)."""
        self._s.require(Permission.SHARE_INFORMATION)
        library = self._s.screenings.library()
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, person = case_for_view(self._s, uow.session, case_id)
            rows = for_case(uow.session, Screening, case.id)
            chosen = _current_signed_off(rows)
            if screening_id is not None:
                chosen = [r for r in rows if r.id == screening_id]
                if not chosen:
                    raise RecordNotFound(SyncedEntity.SCREENING)
                if chosen[0].state != ScreeningState.SIGNED_OFF:
                    raise NotExportable("Only a signed-off screening is exported; sign it off "
                                        "first.")
            parts = []
            for row in chosen:
                definition = library.get(row.instrument_id)
                if definition.version != row.instrument_version:
                    raise NotExportable(
                        f"{definition.short_title} was recorded with version "
                        f"{row.instrument_version}; this workstation has {definition.version}.")
                answers = {k: v for k, v in row.answers.items() if k != FLOW_KEY}
                authored = row.completed_at or row.signed_off_at or row.started_at
                stopped = bool((row.result or {}).get("stopped_reason"))
                parts.append(ExportScreening(definition, answers, authored, stopped))
            bundle = screenings_bundle(
                parts, subject=ExportSubject(person.id, person.nhs_number,
                                             person.nhs_number_status),
                exported=self._s.now(), sex=sex_of(person))
            uow.audit("export", entity=SyncedEntity.CASE, entity_id=case.id, case_id=case.id,
                      detail={"format": "fhir-r4-bundle",
                              "screenings": [str(r.id) for r in chosen],
                              "instruments": [r.instrument_id for r in chosen]})
        return bundle


def _current_signed_off(rows: list[Screening]) -> list[Screening]:
    replaced = {r.amends_id for r in rows if r.amends_id and r.state == ScreeningState.SIGNED_OFF}
    return [r for r in rows if r.state == ScreeningState.SIGNED_OFF and r.id not in replaced]
