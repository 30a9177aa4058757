"""Form drafts: save, read and drop what a user has typed but not yet saved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ld_desktop.store.models import FormDraft


def save_draft(session: Session, username: str, key: str, content: dict[str, Any],
               at: datetime) -> None:
    row = session.get(FormDraft, (username, key))
    if row is None:
        session.add(FormDraft(username=username, key=key, content=content, updated_at=at))
    else:
        row.content, row.updated_at = content, at


def load_draft(session: Session, username: str, key: str) -> dict[str, Any] | None:
    row = session.get(FormDraft, (username, key))
    return dict(row.content) if row is not None else None


def drop_draft(session: Session, username: str, key: str) -> None:
    row = session.get(FormDraft, (username, key))
    if row is not None:
        session.delete(row)
