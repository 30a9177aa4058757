"""HTTP endpoints of the audit copy (`audit_store.py`): append a device's own events, and
tell it the newest event held."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sync.audit_wire import AuditHead, AuditPush, AuditPushResult
from sync.protocol import ErrorBody
from sync.server import audit_store
from sync.server.deps import Device, State

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 411, 413, 422)
}
router = APIRouter(prefix="/v1/audit", responses=_ERRORS)


@router.post("")
def push_audit(body: AuditPush, device: Device, state: State) -> AuditPushResult:
    return audit_store.store_events(state.engine, device.device_id, list(body.events))


@router.get("/head")
def audit_head(device: Device, state: State) -> AuditHead:
    return audit_store.head(state.engine, device.device_id)
