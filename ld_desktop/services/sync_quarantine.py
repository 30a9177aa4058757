"""The Sync page's and ``ld-admin sync``'s view of the local quarantine, and its retry.

Records pulled from the server that this version could not apply are set aside by the store
(``store.quarantine``); they are retried automatically when the app's version changes and
here at a user's request.
"""

from __future__ import annotations

from dataclasses import dataclass

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.store.quarantine import QuarantineEntry
from ld_desktop.store.replica import StoreReplica

__all__ = ["QuarantineEntry", "QuarantineRetry", "SyncQuarantine"]


@dataclass(frozen=True)
class QuarantineRetry:
    applied: int
    still_set_aside: int


class SyncQuarantine:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def _replica(self) -> StoreReplica:
        return StoreReplica(self._s.store, self._s.device_id, self._s.user.username)

    def entries(self) -> list[QuarantineEntry]:
        return self._replica().quarantined()

    def retry(self) -> QuarantineRetry:
        """A user's "try again": every quarantined record, whatever version set it aside."""
        self._s.require(Permission.SYNC)
        return self._retry(only_other_versions=False)

    def retry_after_upgrade(self) -> QuarantineRetry:
        """Those an earlier version set aside (run before every sync; cheap when none)."""
        return self._retry(only_other_versions=True)

    def _retry(self, *, only_other_versions: bool) -> QuarantineRetry:
        applied, left = self._replica().retry_quarantine(only_other_versions=only_other_versions)
        if applied:
            self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON, SyncedEntity.CASE,
                                                   "sync"})))
        return QuarantineRetry(applied, left)
