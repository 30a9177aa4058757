"""End of shift: what the next shift must know, the handover note, and its acknowledgement.

A handover is complete only when nothing recorded here is still waiting to sync and no
conflict is undecided, unless the senior records why (e.g. network down); the handover then
says so plainly. Handovers and acknowledgements are append-only records that sync.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ld_desktop.domain.pathway import OPEN_STAGES, Recipient
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.rota import Shift
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.handover_content import REPORT_KEY, stored_report
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseRow, Changes
from ld_desktop.store import handover_queries as q
from ld_desktop.store.clinical_queries import pending_escalations
from ld_desktop.store.models import HandoverAcknowledgement, HandoverNote
from ld_desktop.store.sync_state import open_conflict_count, pending_op_count


class HandoverNotSafe(ValueError):
    """Unsynced changes or undecided conflicts remain and no reason was given."""

    def __init__(self, pending_ops: int, open_conflicts: int) -> None:
        parts = []
        if pending_ops:
            parts.append(f"{pending_ops} change(s) not yet on the server")
        if open_conflicts:
            parts.append(f"{open_conflicts} conflict(s) not yet decided")
        super().__init__(
            "The handover cannot be completed: " + " and ".join(parts)
            + ". Sync and decide them, or record why the handover goes ahead anyway."
        )
        self.pending_ops = pending_ops
        self.open_conflicts = open_conflicts


@dataclass(frozen=True)
class HandoverItem:
    case_id: uuid.UUID | None
    text: str


@dataclass(frozen=True)
class HandoverSummary:
    shift_start: datetime
    shift_end: datetime
    site_names: tuple[str, ...]
    in_custody: tuple[CaseRow, ...]
    open_by_stage: dict[str, tuple[CaseRow, ...]]
    high_risks: tuple[HandoverItem, ...]
    pending_escalations: tuple[HandoverItem, ...]
    referrals_awaiting: tuple[HandoverItem, ...]
    follow_ups_due: tuple[HandoverItem, ...]
    sharing_to_do: tuple[HandoverItem, ...]
    breaches_this_shift: tuple[CaseRow, ...]
    staffing_now: tuple[Shift, ...]
    staffing_next: tuple[Shift, ...]
    pending_ops: int
    open_conflicts: int
    site_names_by_id: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HandoverRecord:
    id: uuid.UUID
    author: str
    created_at: datetime
    shift_start: datetime
    shift_end: datetime
    notes: dict[str, str]
    sync_receipt: dict[str, Any]
    incomplete_reason: str | None
    acknowledged_by: tuple[str, ...] = field(default=())
    site_names: tuple[str, ...] = ()
    sections: dict[str, list[str]] = field(default_factory=dict)   # the report, as handed over

    @property
    def complete(self) -> bool:
        return self.incomplete_reason is None


class HandoverService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def summary(self, shift_start: datetime, shift_end: datetime,
                local_now: datetime | None = None) -> HandoverSummary:
        self._s.require(Permission.VIEW_RECORDS)
        sites = self._s.site_ids
        rows = self._s.cases.caseload()
        by_stage: dict[str, list[CaseRow]] = defaultdict(list)
        for row in rows:
            by_stage[row.stage].append(row)
        with self._s.store.reading() as db:
            risks = tuple(
                HandoverItem(c.id, f"High risk: review {r.review_date:%d %b}"
                             if r is not None and r.review_date else
                             "High risk: no review date" if r is not None else
                             "High risk: no assessment recorded here")
                for c, r in q.high_risks(db, sites))
            escalations = tuple(
                HandoverItem(c.id, f"Escalation to {e.clinician_type.replace('-', ' ')} "
                             f"({e.urgency}, {e.status})")
                for e, c in pending_escalations(db, sites))
            referrals = tuple(HandoverItem(r.case_id, f"Referral to {r.service_name} awaiting "
                                           "an answer") for r in q.referrals_awaiting(db, sites))
            due = tuple(HandoverItem(a.case_id, f"{a.description} (due {a.due_at:%H:%M %d %b})")
                        for a in q.actions_due_by(db, sites, shift_end + (shift_end - shift_start)))
            sharing = tuple(HandoverItem(case_id, f"Information sharing with "
                                         f"{recipient_label(recipient)} to do")
                            for case_id, recipient in q.sharing_to_do(db, sites))
            pending = pending_op_count(db)
            conflicts = open_conflict_count(db)
            risks, escalations, referrals, due, sharing = (
                named(db, items) for items in (risks, escalations, referrals, due, sharing))
        breaches = tuple(r for r in rows if r.breaches and r.referral_time >= shift_start)
        now_local = local_now or datetime.now()
        on_now, on_next = self._s.rota.on_now_and_next(now_local)
        return HandoverSummary(
            shift_start=shift_start, shift_end=shift_end,
            site_names=tuple(s.name for s in self._s.sites),
            in_custody=tuple(r for r in rows if r.contact_type in ("arrested", "court")),
            open_by_stage={s.value: tuple(by_stage.get(s.value, ())) for s in OPEN_STAGES},
            high_risks=risks, pending_escalations=escalations, referrals_awaiting=referrals,
            follow_ups_due=due, sharing_to_do=sharing, breaches_this_shift=breaches,
            staffing_now=tuple(on_now), staffing_next=tuple(on_next),
            pending_ops=pending, open_conflicts=conflicts,
            site_names_by_id={str(s.id): s.name for s in self._s.sites},
        )

    def complete(self, shift_start: datetime, shift_end: datetime, notes: dict[str, str],
                 sync_receipt: dict[str, Any] | None, reason_if_unsafe: str | None = None,
                 summary: HandoverSummary | None = None) -> HandoverRecord:
        """Record the handover. Refuses while changes are unsynced or conflicts undecided,
        unless a reason is given (which the handover then states plainly). The report's
        content (``summary``, gathered now if not given) is stored with it."""
        self._s.require(Permission.SIGN_OFF_HANDOVER)
        reason = (reason_if_unsafe or "").strip() or None
        report = stored_report(summary or self.summary(shift_start, shift_end), self._s.now())
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            pending = pending_op_count(uow.session)
            conflicts = open_conflict_count(uow.session)
            if (pending or conflicts) and reason is None:
                raise HandoverNotSafe(pending, conflicts)
            receipt = dict(sync_receipt or {})
            receipt.update({"ops_still_local_at_handover": pending,
                            "conflicts_undecided_at_handover": conflicts})
            written = {k: v.strip() for k, v in notes.items()
                       if v.strip() and not k.startswith("_")}
            note = HandoverNote(
                site_ids=[str(s) for s in self._s.site_ids], shift_start=shift_start,
                shift_end=shift_end, author=self._s.user.username,
                notes={**written, REPORT_KEY: report},
                sync_receipt=receipt, incomplete_reason=reason if pending or conflicts else None,
            )
            uow.changes.create(note)
            uow.audit("handover-completed", entity=SyncedEntity.HANDOVER_NOTE, entity_id=note.id,
                      detail={"complete": note.incomplete_reason is None})
            record = _record(note, ())
        self._s.bus.publish(Changes(frozenset({SyncedEntity.HANDOVER_NOTE}),
                                    frozenset({record.id})))
        return record

    def acknowledge(self, handover_id: uuid.UUID) -> None:
        """The next shift's senior (or practitioner in charge) has read the handover: an
        append-only record that syncs, and an audit event. Once per person; only for a
        handover of one of their sites."""
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            note = uow.session.get(HandoverNote, handover_id)
            mine = {str(s) for s in self._s.site_ids}
            if note is None or (note.site_ids and not mine & set(note.site_ids)):
                raise RecordNotFound("handover")
            if note.author == self._s.user.username:
                raise ValueError("The next shift acknowledges a handover, not its author.")
            if self._s.user.username in {
                    a.acknowledged_by for a in q.acknowledgements(uow.session, note.id)}:
                return                      # already acknowledged: nothing more to record
            ack = HandoverAcknowledgement(handover_id=note.id, site_ids=list(note.site_ids),
                                          acknowledged_by=self._s.user.username)
            uow.changes.create(ack)
            uow.audit("handover-acknowledged", entity=SyncedEntity.HANDOVER_NOTE, entity_id=note.id)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.HANDOVER_NOTE}),
                                    frozenset({handover_id})))

    def my_end_of_shift(self) -> tuple[list[HandoverItem], int]:
        """A practitioner's own open items at their sites, and changes not yet synced."""
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            items = tuple(HandoverItem(case_id, text) for _kind, case_id, text
                          in q.my_open_items(db, self._s.site_ids, self._s.user.username))
            return list(named(db, items)), pending_op_count(db)

    def previous(self, limit: int = 50) -> list[HandoverRecord]:
        self._s.require(Permission.VIEW_RECORDS)
        mine = {str(s) for s in self._s.site_ids}
        with self._s.store.reading() as db:
            return [
                _record(n, tuple(a.acknowledged_by for a in q.acknowledgements(db, n.id)))
                for n in q.handovers(db, limit)
                if not n.site_ids or mine & set(n.site_ids)
            ]


def _record(note: HandoverNote, acks: tuple[str, ...]) -> HandoverRecord:
    written = {k: v for k, v in note.notes.items() if not k.startswith("_")}
    report = note.notes.get(REPORT_KEY) or {}
    return HandoverRecord(note.id, note.author, note.created_at, note.shift_start,
                          note.shift_end, written, dict(note.sync_receipt),
                          note.incomplete_reason, acks,
                          tuple(report.get("site_names", ())), dict(report.get("sections", {})))


def named(db: Any, items: tuple[HandoverItem, ...]) -> tuple[HandoverItem, ...]:
    """Each item prefixed with the person and custody number: "QUINN, Testperson
    (NG/0001/26): ..." (so two QUINNs, or two cases of one person, are told apart)."""
    labels = q.case_labels(db, [i.case_id for i in items if i.case_id is not None])

    def label(case_id: uuid.UUID | None) -> str | None:
        if case_id not in labels:
            return None
        family, given, crn = labels[case_id]
        return f"{family.upper()}, {given} ({crn or 'no custody number'})"

    return tuple(HandoverItem(i.case_id, f"{who}: {i.text}")
                 if (who := label(i.case_id)) else i for i in items)


def recipient_label(code: str) -> str:
    return Recipient(code).label if code in Recipient._value2member_map_ else code
