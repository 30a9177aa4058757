"""Clinical records inside a case. Notes and signed-off screenings are append-only:
corrections are new records linked to the original (``amends_id``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.store.models.base import Base, SyncedRecord


class _CaseChild(SyncedRecord):
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    recorded_by: Mapped[str]

    def sync_links(self) -> list[tuple[str, uuid.UUID]]:
        return [(SyncedEntity.CASE, self.case_id)]


class Consent(_CaseChild, Base):
    __tablename__ = SyncedEntity.CONSENT.value
    __table_args__ = (Index("ix_consent_decided_at", "decided_at"),)   # reports by period
    __entity__ = SyncedEntity.CONSENT

    scope: Mapped[str]                         # "assessment" or a recipient code
    recipient_name: Mapped[str | None]         # for "other": who exactly
    decision: Mapped[str]                      # given | declined | withdrawn
    capacity: Mapped[str | None]               # has-capacity | lacks-capacity | not-assessed
    gillick_competent: Mapped[bool | None]     # for 10-15s, judged per decision
    appropriate_adult: Mapped[str | None]
    reason: Mapped[str | None]
    decided_at: Mapped[datetime]


class Screening(_CaseChild, Base):
    __tablename__ = SyncedEntity.SCREENING.value
    __table_args__ = (Index("ix_screening_signed_off_at", "signed_off_at"),   # reports by period
                      Index("ix_screening_amends_id", "amends_id"))       # amended since?
    __entity__ = SyncedEntity.SCREENING

    instrument_id: Mapped[str]
    instrument_version: Mapped[str]
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)   # scores, bands, flags
    state: Mapped[str] = mapped_column(default=ScreeningState.DRAFT.value)
    observation_only: Mapped[bool] = mapped_column(default=False)  # no consent: other sources
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    signed_off_at: Mapped[datetime | None]
    signed_off_by: Mapped[str | None]
    amends_id: Mapped[uuid.UUID | None]
    # the signer's signature of the whole screening as signed off (sync.op_signing)
    attestation: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class RiskAssessment(_CaseChild, Base):
    __tablename__ = SyncedEntity.RISK_ASSESSMENT.value
    __entity__ = SyncedEntity.RISK_ASSESSMENT

    to_self: Mapped[str]
    to_others: Mapped[str]
    from_others: Mapped[str]
    to_children: Mapped[str]
    level: Mapped[str]
    rationale: Mapped[str]
    review_date: Mapped[date | None]


class Escalation(_CaseChild, Base):
    __tablename__ = SyncedEntity.ESCALATION.value
    __table_args__ = (Index("ix_escalation_requested_at", "requested_at"),)   # reports by period
    __entity__ = SyncedEntity.ESCALATION

    clinician_type: Mapped[str]
    urgency: Mapped[str]
    status: Mapped[str] = mapped_column(default="requested")
    reason: Mapped[str]
    outcome: Mapped[str | None]
    requested_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]


class OnwardReferral(_CaseChild, Base):
    __tablename__ = SyncedEntity.ONWARD_REFERRAL.value
    __table_args__ = (Index("ix_onward_referral_made_on", "made_on"),)   # reports by period
    __entity__ = SyncedEntity.ONWARD_REFERRAL

    service_code: Mapped[str]
    service_name: Mapped[str]
    status: Mapped[str] = mapped_column(default="made")
    made_on: Mapped[date]
    appointment_on: Mapped[date | None]
    status_changed_on: Mapped[date | None]
    detail: Mapped[str | None]


class SupportAction(_CaseChild, Base):
    __tablename__ = SyncedEntity.SUPPORT_ACTION.value
    __entity__ = SyncedEntity.SUPPORT_ACTION

    description: Mapped[str]
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    assigned_to: Mapped[str | None]


class Note(_CaseChild, Base):
    __tablename__ = SyncedEntity.NOTE.value
    __entity__ = SyncedEntity.NOTE
    __append_only__ = True

    body: Mapped[str]
    amends_id: Mapped[uuid.UUID | None]


class SkippedSuggestion(_CaseChild, Base):
    """A practitioner chose not to use an instrument a screening suggested, and said why.

    Stored as data (issue 18), not as note text: a clinician's own note can no longer hide a
    suggestion. A skip record marked entered in error no longer hides it."""

    __tablename__ = SyncedEntity.SKIPPED_SUGGESTION.value
    __entity__ = SyncedEntity.SKIPPED_SUGGESTION
    __append_only__ = True

    instrument_id: Mapped[str]
    reason: Mapped[str]
    skipped_at: Mapped[datetime]
    screening_id: Mapped[uuid.UUID | None]    # the result that suggested it, if known


class InformationShare(_CaseChild, Base):
    __tablename__ = SyncedEntity.INFORMATION_SHARE.value
    __table_args__ = (Index("ix_information_share_shared_at", "shared_at"),)   # reports by period
    __entity__ = SyncedEntity.INFORMATION_SHARE
    __append_only__ = True

    recipient: Mapped[str]
    recipient_name: Mapped[str | None]
    content_summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shared_at: Mapped[datetime]
