"""A case's timeline: everything recorded on it, in time order."""

from __future__ import annotations

from ld_desktop.domain.pathway import ReferralSource, Stage
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical_timeline import clinical_entries
from ld_desktop.services.record_changes import history_of
from ld_desktop.services.views import TimelineEntry
from ld_desktop.store.case_detail_queries import case_audit, notes_for
from ld_desktop.store.models import Case
from ld_desktop.store.store import DbSession


def build_timeline(db: DbSession, case: Case, *, new: bool = False) -> list[TimelineEntry]:
    """``new``: the case was created in this transaction, so only the referral exists yet."""
    entries = [
        TimelineEntry(case.referral_time, "referral",
                      f"Referred by {ReferralSource(case.referral_source).label.lower()}")
    ]
    if new:
        return entries
    for stage, when in (
        (Stage.SEEN, case.seen_at), (Stage.SCREENED, case.screened_at),
        (Stage.ASSESSED, case.assessed_at), (Stage.CLOSED, case.closed_at),
    ):
        if when is not None:
            entries.append(TimelineEntry(when, "stage", stage.label))
    for note in notes_for(db, case.id):
        prefix = "Amendment: " if note.amends_id else ""
        entries.append(TimelineEntry(note.created_at, "note", prefix + note.body[:200],
                                     note.recorded_by))
    for event in case_audit(db, case.id):
        if event.action == "update":
            fields = ", ".join(event.detail.get("fields", []))
            entries.append(TimelineEntry(event.at, "change", f"Changed {fields}", event.user))
    for change in history_of(db, SyncedEntity.CASE, case.id):   # corrections keep the old value
        entries.append(TimelineEntry(change.at, "correction", change.summary, change.by))
    entries += clinical_entries(db, case)
    return sorted(entries, key=lambda e: e.at)
