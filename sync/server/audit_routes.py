"""HTTP endpoints of the audit copy (`audit_store.py`): append a device's own events, and
tell it the newest event held."""

from __future__ import annotations

from fastapi import APIRouter

from sync.audit_wire import AuditHead, AuditPush, AuditPushResult
from sync.server import audit_store
from sync.server.deps import Device, State
from sync.server.routes import _ERRORS

router = APIRouter(prefix="/v1/audit", responses=_ERRORS)


@router.post("")
def push_audit(body: AuditPush, device: Device, state: State) -> AuditPushResult:
    return audit_store.store_events(state.engine, device.device_id, list(body.events))


@router.get("/head")
def audit_head(device: Device, state: State) -> AuditHead:
    return audit_store.head(state.engine, device.device_id)
