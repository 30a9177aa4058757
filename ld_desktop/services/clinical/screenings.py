"""Screenings inside a case: draft (saved as you go, survives a lock or a crash), completed,
signed off. A signed-off screening is never edited: a correction is a linked amendment.

Scores come from the instruments engine (domain); this service stores answers and results
and keeps the case's flags and pathway times in step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ld_desktop.domain.age import is_youth
from ld_desktop.domain.consent import ASSESSMENT_SCOPE, Decision, in_force
from ld_desktop.domain.pathway import Urgency
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.access import (
    age_at_referral,
    announce,
    case_for_edit,
    case_for_view,
)
from ld_desktop.services.clinical.consent import decision_of
from ld_desktop.services.clinical.skipped_suggestions import (
    SkippedSuggestionView,
    record_skip,
    skipped_for,
)
from ld_desktop.services.instrument_imports import InstrumentImports
from ld_desktop.services.instrument_library import InstrumentLibrary
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.store.clinical_queries import for_case, get_in_sites, screenings_in_states
from ld_desktop.store.models import Case, Consent, Screening
from ld_desktop.store.signature_checks import screening_signature
from ld_desktop.store.store import DbSession

CORE_SCREEN = "ld-core"
FLOW_KEY = "_flow"   # the wizard's own state (position, skipped items), kept with the answers


class SignedOff(ValueError):
    def __init__(self) -> None:
        super().__init__("A signed-off screening cannot be changed; add an amendment instead.")


class YouthChecksMissing(ValueError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__("Before screening a young person: " + "; ".join(missing) + ".")
        self.missing = missing


@dataclass(frozen=True)
class ScreeningView:
    id: uuid.UUID
    case_id: uuid.UUID
    instrument_id: str
    instrument_version: str
    state: str
    answers: dict[str, Any]
    flow: dict[str, Any]
    result: dict[str, Any]
    observation_only: bool
    started_at: datetime
    completed_at: datetime | None
    signed_off_at: datetime | None
    signed_off_by: str | None
    amends_id: uuid.UUID | None
    # whether the sign-off carries the signer's own verified signature (None: not signed off)
    signature_verified: bool | None = None


@dataclass(frozen=True)
class WorklistEntry:
    """A screening still needing someone: a draft to finish or a result to sign off."""

    screening: ScreeningView
    person_name: str
    case_stage: str


_libraries: dict[tuple[tuple[str, str], ...], InstrumentLibrary] = {}


def _view(s: Screening, db: DbSession | None = None) -> ScreeningView:
    answers = dict(s.answers)
    flow = answers.pop(FLOW_KEY, {})
    return ScreeningView(s.id, s.case_id, s.instrument_id, s.instrument_version, s.state,
                         answers, flow, dict(s.result), s.observation_only, s.started_at,
                         s.completed_at, s.signed_off_at, s.signed_off_by, s.amends_id,
                         screening_signature(db, s) if db is not None else None)


class ScreeningService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def start(self, case_id: uuid.UUID, instrument_id: str, version: str) -> ScreeningView:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            case, person = case_for_edit(self._s, uow.session, case_id)
            consent = in_force(decision_of(c) for c in for_case(uow.session, Consent, case.id))
            assessment = consent.get(ASSESSMENT_SCOPE)
            age = age_at_referral(case, person)
            if age is not None and is_youth(age):
                missing = []
                if not (person.parent_carer or "").strip():
                    missing.append("record the parent or carer's details")
                if assessment is None or not assessment.appropriate_adult:
                    missing.append("record the appropriate adult with the consent decision")
                if missing:
                    raise YouthChecksMissing(missing)
            observation_only = assessment is None or assessment.decision is not Decision.GIVEN
            row = Screening(case_id=case.id, site_id=case.site_id,
                            recorded_by=self._s.user.username, instrument_id=instrument_id,
                            instrument_version=version, answers={}, result={},
                            state=ScreeningState.DRAFT.value,
                            observation_only=observation_only, started_at=self._s.now())
            uow.changes.create(row)
            uow.audit("screening-started", entity=SyncedEntity.SCREENING, entity_id=row.id,
                      case_id=case.id, detail={"instrument": instrument_id})
            view = _view(row)
        announce(self._s, case_id, SyncedEntity.SCREENING)
        return view

    def save_progress(self, screening_id: uuid.UUID, answers: dict[str, Any],
                      flow: dict[str, Any] | None = None) -> None:
        """Saved as the practitioner goes: a lock, a crash or a power cut loses nothing."""
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row = self._draft(uow.session, screening_id)
            uow.changes.update(row, {"answers": {**answers, FLOW_KEY: flow or {}}})

    def discard(self, screening_id: uuid.UUID, reason: str) -> None:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row = self._draft(uow.session, screening_id)
            uow.changes.mark_entered_in_error(row, reason or "discarded draft")
            uow.audit("screening-discarded", entity=SyncedEntity.SCREENING, entity_id=row.id,
                      case_id=row.case_id)
        announce(self._s, row.case_id, SyncedEntity.SCREENING)

    def complete(self, screening_id: uuid.UUID, answers: dict[str, Any],
                 result: dict[str, Any]) -> ScreeningView:
        """Completed with the engine's result; the core screen marks the case screened and
        adds its vulnerability flags to the case."""
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row = self._draft(uow.session, screening_id)
            now = self._s.now()
            uow.changes.update(row, {"answers": dict(answers), "result": dict(result),
                                     "state": ScreeningState.COMPLETED.value, "completed_at": now})
            case, _ = case_for_edit(self._s, uow.session, row.case_id)
            flags = sorted(set(case.flags) | set(result.get("domains", [])))
            changes: dict[str, object] = {"flags": flags, **raised_urgency(case, result)}
            if row.instrument_id == CORE_SCREEN and case.screened_at is None:
                changes["screened_at"] = now
                if case.stage in ("referred", "seen"):
                    changes["stage"] = "screened"
                if case.seen_at is None:
                    changes["seen_at"] = row.started_at
            uow.changes.update(case, changes)
            uow.audit("screening-completed", entity=SyncedEntity.SCREENING, entity_id=row.id,
                      case_id=case.id, detail={"instrument": row.instrument_id})
            view = _view(row)
        announce(self._s, view.case_id, SyncedEntity.SCREENING)
        return view

    def stop(self, screening_id: uuid.UUID, answers: dict[str, Any], result: dict[str, Any],
             reason: str) -> ScreeningView:
        """The person will not go on: completed with the partial result (what the answers
        given already prove) and the reason, kept on the result and in the audit."""
        if not reason.strip():
            raise ValueError("Say why the screening stopped.")
        view = self.complete(screening_id, answers,
                             {**result, "stopped_reason": reason.strip()})
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            uow.audit("screening-stopped", entity=SyncedEntity.SCREENING, entity_id=view.id,
                      case_id=view.case_id, detail={"instrument": view.instrument_id})
        return view

    def sign_off(self, screening_id: uuid.UUID) -> ScreeningView:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            row = self._get(uow.session, screening_id)
            if row.state != ScreeningState.COMPLETED:
                raise ValueError("Only a completed screening can be signed off.")
            # one op of the whole screening, signed with the signer's personal key
            uow.changes.update(row, {"state": ScreeningState.SIGNED_OFF.value,
                                     "signed_off_at": self._s.now(),
                                     "signed_off_by": self._s.user.username}, sign=True)
            uow.audit("screening-signed-off", entity=SyncedEntity.SCREENING, entity_id=row.id,
                      case_id=row.case_id)
            view = _view(row, uow.session)
        announce(self._s, view.case_id, SyncedEntity.SCREENING)
        return view

    def amend(self, screening_id: uuid.UUID, answers: dict[str, Any], result: dict[str, Any],
              reason: str) -> ScreeningView:
        """Correct a signed-off screening: a new, linked screening; the original stays."""
        if not reason.strip():
            raise ValueError("Say why the screening is being amended.")
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            original = self._get(uow.session, screening_id)
            if original.state != ScreeningState.SIGNED_OFF:
                raise ValueError("Only a signed-off screening is amended; edit the draft.")
            case, _ = case_for_edit(self._s, uow.session, original.case_id)
            now = self._s.now()
            row = Screening(case_id=case.id, site_id=case.site_id,
                            recorded_by=self._s.user.username,
                            instrument_id=original.instrument_id,
                            instrument_version=original.instrument_version,
                            answers=dict(answers), result={**result, "amendment_reason": reason},
                            state=ScreeningState.COMPLETED.value,
                            observation_only=original.observation_only,
                            started_at=now, completed_at=now, amends_id=original.id)
            uow.changes.create(row)
            raised = raised_urgency(case, result)
            if raised:
                uow.changes.update(case, raised)
            uow.audit("screening-amended", entity=SyncedEntity.SCREENING, entity_id=row.id,
                      case_id=case.id, detail={"amends": str(original.id)})
            view = _view(row)
        announce(self._s, view.case_id, SyncedEntity.SCREENING)
        return view

    def for_case(self, case_id: uuid.UUID) -> list[ScreeningView]:
        with self._s.store.reading() as db:
            case_for_view(self._s, db, case_id)
            return [_view(s, db) for s in for_case(db, Screening, case_id)]

    def drafts(self, case_id: uuid.UUID) -> list[ScreeningView]:
        return [s for s in self.for_case(case_id) if s.state == ScreeningState.DRAFT]

    def worklist(self) -> list[WorklistEntry]:
        """Drafts and completed screenings awaiting sign-off at my sites, newest first."""
        with self._s.store.reading() as db:
            rows = screenings_in_states(db, self._s.site_ids,
                                       (ScreeningState.DRAFT, ScreeningState.COMPLETED))
            return [WorklistEntry(_view(s), f"{p.given_name} {p.family_name}", c.stage)
                    for s, c, p in rows]

    def library(self) -> InstrumentLibrary:
        """The instruments this workstation offers: shipped ones plus licensed imports."""
        imported = InstrumentImports(self._s).all()
        key = tuple(sorted((d.instrument_id, d.version) for d in imported))
        if key not in _libraries:
            _libraries[key] = InstrumentLibrary.load(d.definition for d in imported)
        return _libraries[key]

    def skip_suggested(self, case_id: uuid.UUID, instrument_id: str, reason: str,
                       screening_id: uuid.UUID | None = None) -> SkippedSuggestionView:
        """The practitioner chose not to use a suggested instrument: say why, on the record
        (a synced ``skipped_suggestion``, not a note)."""
        return record_skip(self._s, case_id, instrument_id, reason, self.library(),
                           screening_id)

    def skipped(self, case_id: uuid.UUID) -> list[SkippedSuggestionView]:
        return skipped_for(self._s, case_id, self.library())

    # ------------------------------------------------------------------ helpers
    def _get(self, db: DbSession, screening_id: uuid.UUID) -> Screening:
        row = get_in_sites(db, Screening, screening_id, self._s.site_ids)
        if row is None or row.entered_in_error:
            raise RecordNotFound(SyncedEntity.SCREENING)
        return row

    def _draft(self, db: DbSession, screening_id: uuid.UUID) -> Screening:
        row = self._get(db, screening_id)
        if row.state == ScreeningState.SIGNED_OFF:
            raise SignedOff()
        if row.state != ScreeningState.DRAFT:
            raise ValueError("This screening is already completed; sign it off or amend it.")
        return row


def raised_urgency(case: Case, result: dict[str, Any]) -> dict[str, object]:
    """An urgent flag (e.g. 'do not leave the person alone') raises the case's urgency to
    the flag's escalation; a screening never lowers it."""
    wanted = result.get("escalation")
    if wanted not in {u.value for u in Urgency}:
        return {}
    if Urgency(wanted).rank > Urgency(case.urgency).rank:
        return {"urgency": wanted}
    return {}
