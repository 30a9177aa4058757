"""Information sharing: a consent-scoped report for one recipient, and the record that it was
shared (who, to whom, when, what). The PDF is drawn by the UI from ``ShareReport``.

Nothing is produced for a recipient without consent to share with them in force; the report
holds only the sections the practitioner chose (minimum necessary), never notes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ld_desktop.domain.consent import Decision, in_force
from ld_desktop.domain.pathway import Recipient
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.domain.vulnerabilities import label as vulnerability_label
from ld_desktop.services.clinical.access import announce, case_for_view
from ld_desktop.services.clinical.consent import decision_of
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case
from ld_desktop.store.models import Consent, InformationShare, Screening
from ld_desktop.store.store import DbSession

SECTIONS = {
    "vulnerabilities": "Vulnerabilities identified",
    "screening": "Screening results",
    "recommendations": "Recommendations",
}


class NoConsentToShare(PermissionError):
    def __init__(self, recipient: str) -> None:
        who = Recipient(recipient).label if recipient in Recipient._value2member_map_ else recipient
        super().__init__(
            f"There is no consent in force to share information with {who}. Record the "
            "person's consent for this recipient first; nothing has been shared."
        )


@dataclass(frozen=True)
class ShareReport:
    case_id: uuid.UUID
    recipient: str
    recipient_label: str
    person_name: str
    date_of_birth: str
    custody_record_number: str | None
    site_name: str
    prepared_by: str
    prepared_at: datetime
    consent_statement: str
    sections: dict[str, list[str]] = field(default_factory=dict)


class SharingService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def build(self, case_id: uuid.UUID, recipient: str, sections: list[str],
              recommendations: list[str] | None = None) -> ShareReport:
        """The report's content; raises NoConsentToShare without consent for ``recipient``."""
        self._s.require(Permission.SHARE_INFORMATION)
        unknown = set(sections) - set(SECTIONS)
        if unknown or not sections:
            raise ValueError("Choose which sections to share.")
        with self._s.store.reading() as db:
            case, person = case_for_view(self._s, db, case_id)
            decisions = (decision_of(c) for c in for_case(db, Consent, case_id))
            consent = in_force(decisions).get(recipient)
            if consent is None or consent.decision is not Decision.GIVEN:
                raise NoConsentToShare(recipient)
            screenings = [s for s in for_case(db, Screening, case_id)
                          if s.state in ScreeningState.finished() and not _amended(s, db)]
            site_name = next((s.name for s in self._s.sites if s.id == case.site_id), "")
            label = Recipient(recipient).label if recipient in Recipient._value2member_map_ \
                else recipient
            if consent.recipient_name:
                label = f"{label}: {consent.recipient_name}"
            content: dict[str, list[str]] = {}
            if "vulnerabilities" in sections:
                content["vulnerabilities"] = [vulnerability_label(f) for f in case.flags] or [
                    "No vulnerabilities identified at screening."]
            if "screening" in sections:
                content["screening"] = [_plain_result(s) for s in screenings] or [
                    "No screening completed."]
            if "recommendations" in sections:
                content["recommendations"] = [r.strip() for r in (recommendations or [])
                                              if r.strip()] or ["None recorded."]
            return ShareReport(
                case_id=case.id, recipient=recipient, recipient_label=label,
                person_name=f"{person.given_name} {person.family_name}",
                date_of_birth=f"{person.date_of_birth:%d/%m/%Y}" if person.date_of_birth else
                "not known",
                custody_record_number=case.custody_record_number, site_name=site_name,
                prepared_by=self._s.user.display_name, prepared_at=self._s.now(),
                consent_statement=(f"Consent to share with {label} given on "
                                   f"{consent.decided_at:%d/%m/%Y at %H:%M}."),
                sections=content,
            )

    def record_shared(self, report: ShareReport, saved_as: str | None = None) -> uuid.UUID:
        """Record that the report was shared; audited as an export."""
        self._s.require(Permission.SHARE_INFORMATION)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, _ = case_for_view(self._s, uow.session, report.case_id)
            consent = in_force(decision_of(c) for c in for_case(uow.session, Consent, case.id))
            current = consent.get(report.recipient)
            if current is None or current.decision is not Decision.GIVEN:
                raise NoConsentToShare(report.recipient)  # withdrawn while the report was open
            share = InformationShare(
                case_id=case.id, site_id=case.site_id, recorded_by=self._s.user.username,
                recipient=report.recipient, recipient_name=report.recipient_label,
                content_summary={"sections": sorted(report.sections),
                                 "items": sum(len(v) for v in report.sections.values())},
                shared_at=self._s.now(),
            )
            uow.changes.create(share)
            uow.audit("export", entity=SyncedEntity.INFORMATION_SHARE, entity_id=share.id,
                      case_id=case.id, detail={"recipient": report.recipient,
                                               "sections": sorted(report.sections),
                                               "file": bool(saved_as)})
            share_id = share.id
        announce(self._s, report.case_id, SyncedEntity.INFORMATION_SHARE)
        return share_id


def _amended(screening: Screening, db: DbSession) -> bool:
    """A screening replaced by a later amendment is not reported."""
    return any(s.amends_id == screening.id for s in for_case(db, Screening, screening.case_id))


def _plain_result(screening: Screening) -> str:
    result = screening.result or {}
    title = result.get("title") or screening.instrument_id
    summary = result.get("summary")
    text = f"{title}: {summary}" if summary else f"{title}: completed"
    if screening.observation_only:
        text += " (observation from other sources; the person did not consent to screening)"
    return text
