"""Onward referrals to services (from the service directory) and support actions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services import service_directory
from ld_desktop.services.clinical.access import announce, case_for_edit, case_for_view
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case, get_in_sites
from ld_desktop.store.models import OnwardReferral, SupportAction


class ReferralStatus(StrEnum):
    MADE = "made"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did-not-attend"

    @property
    def label(self) -> str:
        return {"did-not-attend": "Did not attend"}.get(self.value, self.value.capitalize())


@dataclass(frozen=True)
class ReferralView:
    id: uuid.UUID
    case_id: uuid.UUID
    service_code: str
    service_name: str
    status: str
    made_on: date
    appointment_on: date | None
    detail: str | None


@dataclass(frozen=True)
class SupportView:
    id: uuid.UUID
    case_id: uuid.UUID
    description: str
    due_at: datetime | None
    done_at: datetime | None
    assigned_to: str | None

    def overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at is not None and self.due_at < now


class ReferralService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def make(self, case_id: uuid.UUID, service_code: str, *, other_name: str | None = None,
             appointment_on: date | None = None, detail: str | None = None) -> ReferralView:
        service = service_directory.find(service_code)
        name = service.name
        if service.code == "other":
            if not (other_name or "").strip():
                raise ValueError("Name the service you are referring to.")
            name = (other_name or "").strip()
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, _ = case_for_edit(self._s, uow.session, case_id)
            row = OnwardReferral(case_id=case.id, site_id=case.site_id,
                                 recorded_by=self._s.user.username, service_code=service.code,
                                 service_name=name, made_on=self._s.now().date(),
                                 appointment_on=appointment_on,
                                 detail=(detail or "").strip() or None)
            uow.changes.create(row)
            if case.stage in ("referred", "seen", "screened", "assessed"):
                uow.changes.update(case, {"stage": "referred-on"})
            uow.audit("referral-made", entity=SyncedEntity.ONWARD_REFERRAL, entity_id=row.id,
                      case_id=case.id, detail={"service": service.code})
            view = _referral(row)
        announce(self._s, case_id, SyncedEntity.ONWARD_REFERRAL)
        return view

    def set_status(self, referral_id: uuid.UUID, status: str) -> ReferralView:
        new = ReferralStatus(status)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row = get_in_sites(uow.session, OnwardReferral, referral_id, self._s.site_ids)
            if row is None:
                raise RecordNotFound("referral")
            case_for_edit(self._s, uow.session, row.case_id)
            uow.changes.update(row, {"status": new.value,
                                     "status_changed_on": self._s.now().date()})
            uow.audit("referral-updated", entity=SyncedEntity.ONWARD_REFERRAL, entity_id=row.id,
                      case_id=row.case_id, detail={"status": new.value})
            view = _referral(row)
        announce(self._s, view.case_id, SyncedEntity.ONWARD_REFERRAL)
        return view

    def for_case(self, case_id: uuid.UUID) -> list[ReferralView]:
        with self._s.store.reading() as db:
            case_for_view(self._s, db, case_id)
            return [_referral(r) for r in for_case(db, OnwardReferral, case_id)]

    # ------------------------------------------------------------------ support actions
    def add_action(self, case_id: uuid.UUID, description: str, due_at: datetime | None = None,
                   assigned_to: str | None = None) -> SupportView:
        if not description.strip():
            raise ValueError("Describe the support action.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, _ = case_for_edit(self._s, uow.session, case_id)
            row = SupportAction(case_id=case.id, site_id=case.site_id,
                                recorded_by=self._s.user.username,
                                description=description.strip(), due_at=due_at,
                                assigned_to=assigned_to or self._s.user.username)
            uow.changes.create(row)
            uow.audit("support-action-added", entity=SyncedEntity.SUPPORT_ACTION, entity_id=row.id,
                      case_id=case.id)
            view = _support(row)
        announce(self._s, case_id, SyncedEntity.SUPPORT_ACTION)
        return view

    def complete_action(self, action_id: uuid.UUID) -> SupportView:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row = get_in_sites(uow.session, SupportAction, action_id, self._s.site_ids)
            if row is None:
                raise RecordNotFound("support action")
            uow.changes.update(row, {"done_at": self._s.now()})
            uow.audit("support-action-done", entity=SyncedEntity.SUPPORT_ACTION, entity_id=row.id,
                      case_id=row.case_id)
            view = _support(row)
        announce(self._s, view.case_id, SyncedEntity.SUPPORT_ACTION)
        return view

    def actions_for_case(self, case_id: uuid.UUID) -> list[SupportView]:
        with self._s.store.reading() as db:
            case_for_view(self._s, db, case_id)
            return [_support(a) for a in for_case(db, SupportAction, case_id)]


def _referral(r: OnwardReferral) -> ReferralView:
    return ReferralView(r.id, r.case_id, r.service_code, r.service_name, r.status, r.made_on,
                        r.appointment_on, r.detail)


def _support(a: SupportAction) -> SupportView:
    return SupportView(a.id, a.case_id, a.description, a.due_at, a.done_at, a.assigned_to)
