"""What a case page lists beside the timeline, loaded in one go from the services, and the
one-line words for each record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ld_desktop.domain.consent import ConsentDecision
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.services.clinical.escalation import ClinicianType, EscalationView
from ld_desktop.services.clinical.notes import NoteView
from ld_desktop.services.clinical.referrals import ReferralStatus, ReferralView, SupportView
from ld_desktop.services.clinical.risk import RiskView
from ld_desktop.services.clinical.screenings import ScreeningView
from ld_desktop.services.clinical.skipped_suggestions import SkippedSuggestionView
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import TimelineEntry
from ld_desktop.ui.clinical.consent_dialog import scope_label


def when(at: datetime | None) -> str:
    return f"{at.astimezone():%d/%m %H:%M}" if at else ""


@dataclass(frozen=True)
class CaseRecords:
    screenings: list[ScreeningView]
    consents: list[ConsentDecision]
    risks: list[RiskView]
    escalations: list[EscalationView]
    referrals: list[ReferralView]
    actions: list[SupportView]
    notes: list[NoteView]
    skipped: list[SkippedSuggestionView]

    @classmethod
    def load(cls, session: UserSession, case_id: uuid.UUID) -> CaseRecords:
        return cls(session.screenings.for_case(case_id), session.consent.history(case_id),
                   session.risk.for_case(case_id), session.escalations.for_case(case_id),
                   session.referrals.for_case(case_id),
                   session.referrals.actions_for_case(case_id), session.notes.for_case(case_id),
                   session.screenings.skipped(case_id))

    def superseded(self) -> set[uuid.UUID]:
        """Screenings replaced by a later amendment."""
        return {s.amends_id for s in self.screenings if s.amends_id is not None}


def screening_line(view: ScreeningView, title: str, superseded: bool) -> str:
    if view.state == ScreeningState.DRAFT:
        return (f"{title}: in progress ({len(view.answers)} answered) · started "
                f"{when(view.started_at)}")
    summary = view.result.get("summary", "")
    labels: dict[str, str] = {ScreeningState.COMPLETED: "awaiting sign-off",
                              ScreeningState.SIGNED_OFF: "signed off"}
    state = labels.get(view.state, "")
    amended = " · AMENDED later" if superseded else ""
    linked = " · amendment" if view.amends_id else ""
    return f"{title}: {summary} · {state}{linked}{amended} · {when(view.completed_at)}"


def skip_line(skip: SkippedSuggestionView, title: str) -> str:
    kept = " (kept as a note)" if skip.legacy_note else ""
    return (f"{title}: suggested, not used{kept} · {skip.reason} · {when(skip.skipped_at)} "
            f"{skip.skipped_by}")


def timeline_line(entry: TimelineEntry) -> str:
    return (f"{entry.at.astimezone():%d/%m/%Y %H:%M}  {entry.summary}"
            + (f" · {entry.by}" if entry.by else ""))


def consent_line(decision: ConsentDecision) -> str:
    extra = []
    if decision.recipient_name:
        extra.append(decision.recipient_name)
    if decision.appropriate_adult:
        extra.append(f"appropriate adult {decision.appropriate_adult}")
    if decision.gillick_competent is not None:
        extra.append("Gillick competent" if decision.gillick_competent
                     else "not Gillick competent")
    if decision.reason:
        extra.append(f"reason: {decision.reason}")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{when(decision.decided_at)} · {scope_label(decision.scope)}: " \
           f"{decision.decision.label}{tail}"


def risk_line(risk: RiskView) -> str:
    review = f" · review {risk.review_date:%d/%m/%Y}" if risk.review_date else ""
    return (f"Risk {risk.level.upper()}{review} · to self {risk.to_self}, to others "
            f"{risk.to_others}, from others {risk.from_others}, to children "
            f"{risk.to_children} · {risk.rationale} · {risk.recorded_by}")


def escalation_line(e: EscalationView) -> str:
    outcome = f" · outcome: {e.outcome}" if e.outcome else ""
    return (f"Escalation to {ClinicianType(e.clinician_type).label} ({e.urgency}) · "
            f"{e.status} · {e.reason}{outcome} · {when(e.requested_at)} {e.requested_by}")


def referral_line(r: ReferralView) -> str:
    appointment = f" · appointment {r.appointment_on:%d/%m/%Y}" if r.appointment_on else ""
    return (f"Referral to {r.service_name} · {ReferralStatus(r.status).label} · made "
            f"{r.made_on:%d/%m/%Y}{appointment}")


def action_line(a: SupportView, now: datetime) -> str:
    if a.done_at:
        state = f"done {when(a.done_at)}"
    elif a.overdue(now):
        state = f"OVERDUE (due {when(a.due_at)})"
    else:
        state = f"due {when(a.due_at)}" if a.due_at else "no due date"
    return f"Action: {a.description} · {state} · {a.assigned_to or ''}"


def note_line(n: NoteView) -> str:
    tag = " [amendment]" if n.amends_id else ""
    tag += " [amended later]" if n.amended_by_ids else ""
    return f"{when(n.recorded_at)} {n.recorded_by}{tag}: {n.body}"
