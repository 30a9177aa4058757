"""What the signed-in user has typed into a form and not yet saved, kept in the encrypted
store so a lock or a crash loses nothing. Drafts are the user's own: another user on the same
workstation never sees them. Not synced and not audited (nothing is recorded until saved)."""

from __future__ import annotations

from typing import Any

from ld_desktop.services.session import UserSession
from ld_desktop.store.draft_queries import drop_draft, load_draft, save_draft


class DraftService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def save(self, key: str, content: dict[str, Any]) -> None:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            if any(str(v).strip() for v in content.values()):
                save_draft(uow.session, self._s.user.username, key, content, self._s.now())
            else:
                drop_draft(uow.session, self._s.user.username, key)

    def load(self, key: str) -> dict[str, Any] | None:
        with self._s.store.reading() as db:
            return load_draft(db, self._s.user.username, key)

    def discard(self, key: str) -> None:
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            drop_draft(uow.session, self._s.user.username, key)
