"""Timeline entries for a case's clinical records, built from the synced records themselves
(not the local audit chain), so every workstation shows the same history."""

from __future__ import annotations

from ld_desktop.domain.consent import ASSESSMENT_SCOPE
from ld_desktop.domain.pathway import Disposal, Recipient
from ld_desktop.services.clinical.skipped_suggestions import words as skip_words
from ld_desktop.services.instrument_library import shipped_titles
from ld_desktop.services.views import TimelineEntry
from ld_desktop.store.clinical_queries import for_case
from ld_desktop.store.models import (
    Case,
    Consent,
    Escalation,
    InformationShare,
    OnwardReferral,
    Outcome,
    RiskAssessment,
    Screening,
    SupportAction,
)
from ld_desktop.store.store import DbSession
from ld_desktop.store.suggestion_queries import skipped_for_case


def _scope(scope: str) -> str:
    if scope == ASSESSMENT_SCOPE:
        return "the assessment"
    return f"sharing with {Recipient(scope).label}" if scope in Recipient._value2member_map_ \
        else scope


def clinical_entries(db: DbSession, case: Case) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    for c in for_case(db, Consent, case.id):
        out.append(TimelineEntry(c.decided_at, "consent",
                                 f"Consent to {_scope(c.scope)}: {c.decision}", c.recorded_by))
    titles = shipped_titles()
    for s in for_case(db, Screening, case.id):
        name = titles.get(s.instrument_id, s.instrument_id)
        out.append(TimelineEntry(s.started_at, "screening", f"{name} screening started",
                                 s.recorded_by))
        if s.completed_at:
            what = "amendment" if s.amends_id else "completed"
            out.append(TimelineEntry(s.completed_at, "screening",
                                     f"{name} {what}: {s.result.get('summary', '')}",
                                     s.recorded_by))
        if s.signed_off_at:
            out.append(TimelineEntry(s.signed_off_at, "screening", f"{name} signed off",
                                     s.signed_off_by))
    for skip in skipped_for_case(db, case.id):   # legacy skips are notes: shown as notes
        out.append(TimelineEntry(skip.skipped_at, "screening",
                                 skip_words(titles.get(skip.instrument_id, skip.instrument_id),
                                            skip.reason), skip.recorded_by))
    for r in for_case(db, RiskAssessment, case.id):
        out.append(TimelineEntry(r.created_at, "risk", f"Risk assessed: {r.level}",
                                 r.recorded_by))
    for e in for_case(db, Escalation, case.id):
        out.append(TimelineEntry(e.requested_at, "escalation",
                                 f"Escalated to {e.clinician_type.replace('-', ' ')} "
                                 f"({e.urgency}); now {e.status}", e.recorded_by))
    for ref in for_case(db, OnwardReferral, case.id):
        out.append(TimelineEntry(ref.created_at, "referral",
                                 f"Referred to {ref.service_name}; now {ref.status}",
                                 ref.recorded_by))
    for a in for_case(db, SupportAction, case.id):
        out.append(TimelineEntry(a.created_at, "support", f"Support action: {a.description}",
                                 a.recorded_by))
    for share in for_case(db, InformationShare, case.id):
        out.append(TimelineEntry(share.shared_at, "share",
                                 f"Information shared with {share.recipient_name}",
                                 share.recorded_by))
    for o in for_case(db, Outcome, case.id):
        out.append(TimelineEntry(o.created_at, "outcome",
                                 f"Outcome: {Disposal(o.disposal).label}", o.recorded_by))
    return out
