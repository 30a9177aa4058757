"""Wire models for the audit copy: a workstation's own audit chain, sent as append-only records.

Each event carries its place in the chain (``seq``, ``prev_mac``, ``mac``): the server cannot
recompute a MAC (the key never leaves the workstation) but it can check the links, so a gap, a
changed link or a second event at the same place (a fork) shows. ``body`` is what happened to
which record id, by which user; never clinical values or names (the workstation's audit rule).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_AUDIT_EVENTS_PER_PUSH = 500
MAX_AUDIT_SEQ = 2**62
GENESIS_MAC = "0" * 64
_MAC = r"^[0-9a-f]{64}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuditRecord(_Model):
    seq: int = Field(ge=1, le=MAX_AUDIT_SEQ)
    event_id: uuid.UUID
    at: datetime
    prev_mac: str = Field(pattern=_MAC)
    mac: str = Field(pattern=_MAC)
    body: dict[str, Any] = Field(default_factory=dict)


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
