"""Identifiers: UUIDv7 (time-ordered) for every record."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A new UUIDv7: unique, sortable by creation time, safe to create offline."""
    return uuid.UUID(int=uuid6.uuid7().int)
