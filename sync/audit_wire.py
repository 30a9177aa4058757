"""Wire models for the audit copy: a workstation's own audit chain, sent as append-only records.

Each event carries its place in the chain (``seq``, ``prev_mac``, ``mac``): the server cannot
recompute a MAC (the key never leaves the workstation) but it can check the links, so a gap, a
changed link or a second event at the same place (a fork) shows. ``body`` is what happened to
which record id, by which user; never clinical values or names (the workstation's audit rule).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

MAX_AUDIT_EVENTS_PER_PUSH = 500
MAX_AUDIT_SEQ = 2**62
MAX_AUDIT_BODY_BYTES = 16 * 1024   # an event says what happened, not what was written
GENESIS_MAC = "0" * 64
_MAC = r"^[0-9a-f]{64}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuditRecord(_Model):
    seq: int = Field(ge=1, le=MAX_AUDIT_SEQ)
    event_id: uuid.UUID
    at: AwareDatetime   # a naive time could not be stored as UTC
    prev_mac: str = Field(pattern=_MAC)
    mac: str = Field(pattern=_MAC)
    body: dict[str, Any] = Field(default_factory=dict)

    @field_validator("body")
    @classmethod
    def _storable(cls, body: dict[str, Any]) -> dict[str, Any]:
        # Every database must be able to store and read it as sent: no NUL (PostgreSQL's
        # jsonb and text cannot hold one), no lone surrogate (not UTF-8), and small.
        try:
            size = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        except (TypeError, ValueError, UnicodeEncodeError) as exc:
            raise ValueError("the event body is not storable text") from exc
        if _holds_nul(body):
            raise ValueError("the event body holds a NUL character")
        if size > MAX_AUDIT_BODY_BYTES:
            raise ValueError(f"the event body is over {MAX_AUDIT_BODY_BYTES} bytes")
        return body


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class AuditPush(_Model):
    events: list[AuditRecord] = Field(max_length=MAX_AUDIT_EVENTS_PER_PUSH)


class AuditPushResult(_Model):
    stored: int          # new events appended to this device's copy
    duplicates: int      # already held, identical
    forks: int           # a different event at a place already held: kept apart, reported
    head_seq: int        # the highest seq the server now holds for this device


class AuditHead(_Model):
    """The newest event the server holds of this device's chain (seq 0: none yet)."""

    seq: int
    mac: str | None = None
