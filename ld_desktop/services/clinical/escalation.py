"""Escalation to a clinician, and what seniors see pending at their sites."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ld_desktop.domain.pathway import Urgency
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.access import announce, case_for_edit, case_for_view
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case, get_in_sites, pending_escalations
from ld_desktop.store.models import Escalation


class ClinicianType(StrEnum):
    MH_NURSE = "mental-health-nurse"
    LD_NURSE = "learning-disability-nurse"
    PSYCHIATRIST = "psychiatrist"
    AMHP = "amhp"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            ClinicianType.MH_NURSE: "Mental health nurse",
            ClinicianType.LD_NURSE: "Learning disability nurse",
            ClinicianType.PSYCHIATRIST: "Psychiatrist",
            ClinicianType.AMHP: "AMHP (Mental Health Act assessment)",
            ClinicianType.OTHER: "Other clinician",
        }[self]


class EscalationStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"


_NEXT = {
    EscalationStatus.REQUESTED: {EscalationStatus.ACCEPTED, EscalationStatus.DECLINED,
                                 EscalationStatus.COMPLETED},
    EscalationStatus.ACCEPTED: {EscalationStatus.COMPLETED, EscalationStatus.DECLINED},
    EscalationStatus.COMPLETED: set(),
    EscalationStatus.DECLINED: set(),
}


@dataclass(frozen=True)
class EscalationView:
    id: uuid.UUID
    case_id: uuid.UUID
    clinician_type: str
    urgency: str
    status: str
    reason: str
    outcome: str | None
    requested_at: datetime
    requested_by: str


class EscalationService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def request(self, case_id: uuid.UUID, clinician_type: str, urgency: str, reason: str
                ) -> EscalationView:
        ClinicianType(clinician_type)
        Urgency(urgency)
        if not reason.strip():
            raise ValueError("Say why the case is being escalated.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, _ = case_for_edit(self._s, uow.session, case_id)
            row = Escalation(case_id=case.id, site_id=case.site_id,
                             recorded_by=self._s.user.username, clinician_type=clinician_type,
                             urgency=urgency, reason=reason.strip(),
                             requested_at=self._s.now())
            uow.changes.create(row)
            uow.audit("escalation-requested", entity=SyncedEntity.ESCALATION, entity_id=row.id,
                      case_id=case.id, detail={"clinician": clinician_type, "urgency": urgency})
            view = _view(row)
        announce(self._s, case_id, SyncedEntity.ESCALATION)
        return view

    def set_status(self, escalation_id: uuid.UUID, status: str, outcome: str | None = None
                   ) -> EscalationView:
        new = EscalationStatus(status)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row = get_in_sites(uow.session, Escalation, escalation_id, self._s.site_ids)
            if row is None:
                raise RecordNotFound(SyncedEntity.ESCALATION)
            case_for_edit(self._s, uow.session, row.case_id)
            if new not in _NEXT[EscalationStatus(row.status)]:
                raise ValueError(f"An escalation that is {row.status} cannot become {status}.")
            if new in (EscalationStatus.COMPLETED, EscalationStatus.DECLINED) and not (
                outcome or ""
            ).strip():
                raise ValueError("Record the outcome of the escalation.")
            uow.changes.update(row, {"status": new.value, "outcome": (outcome or "").strip()
                                     or row.outcome, "responded_at": self._s.now()})
            uow.audit("escalation-updated", entity=SyncedEntity.ESCALATION, entity_id=row.id,
                      case_id=row.case_id, detail={"status": new.value})
            view = _view(row)
        announce(self._s, view.case_id, SyncedEntity.ESCALATION)
        return view

    def for_case(self, case_id: uuid.UUID) -> list[EscalationView]:
        with self._s.store.reading() as db:
            case_for_view(self._s, db, case_id)
            return [_view(e) for e in for_case(db, Escalation, case_id)]

    def pending_at_my_sites(self) -> list[EscalationView]:
        """For seniors reviewing escalations across their sites."""
        self._s.require(Permission.REVIEW_ESCALATIONS)
        with self._s.store.reading() as db:
            return [_view(e) for e, _case in pending_escalations(db, self._s.site_ids)]


def _view(e: Escalation) -> EscalationView:
    return EscalationView(e.id, e.case_id, e.clinician_type, e.urgency, e.status, e.reason,
                          e.outcome, e.requested_at, e.recorded_by)
