"""The workstation's enrolment and sync bookkeeping (kept in the encrypted database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ld_desktop.store.models import ConflictRecord, DeviceState, OutboxOp, Site


def device_state(session: Session) -> DeviceState:
    device = session.get(DeviceState, 1)
    if device is None:
        raise RuntimeError("device state row missing")
    return device


def pending_op_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboxOp)) or 0)


def rejected_op_count(session: Session) -> int:
    stmt = select(func.count()).select_from(OutboxOp).where(OutboxOp.status == "rejected")
    return int(session.scalar(stmt) or 0)


def rejected_ops(session: Session, limit: int) -> list[tuple[str, str, datetime, str]]:
    """Changes the server refused, oldest first: (entity, kind, made at, the server's reason).
    They stay in the outbox and are offered again at every sync."""
    stmt = (select(OutboxOp.entity, OutboxOp.kind, OutboxOp.created_at, OutboxOp.error)
            .where(OutboxOp.status == "rejected").order_by(OutboxOp.device_seq).limit(limit))
    return [(entity, kind, made, error or "refused by the server")
            for entity, kind, made, error in session.execute(stmt)]


def open_conflict_count(session: Session) -> int:
    """Conflicts waiting for a decision. One decided here is no longer waiting: its decision
    is an op in the outbox until it syncs (counted with the changes still to sync)."""
    stmt = select(func.count()).select_from(ConflictRecord).where(
        ConflictRecord.status == "open", ConflictRecord.decision_pending.is_(False))
    return int(session.scalar(stmt) or 0)


def record_sync(session: Session, at: datetime, report: dict[str, Any]) -> None:
    device = device_state(session)
    device.last_sync_at = at
    device.last_sync_report = report


def set_enrolment(session: Session, enrolment: dict[str, Any]) -> None:
    device_state(session).enrolment = enrolment


def known_site_ids(session: Session) -> set[str]:
    return {str(s) for s in session.scalars(select(Site.id))}
