"""Exceptions the app catches around sync. All derive from `SyncError`."""

from __future__ import annotations


class SyncError(Exception):
    """Base class: sync did not complete. Local data is intact and nothing was lost."""


class ServerUnreachable(SyncError):
    """No usable answer from the server after retries (network, TLS, 5xx, timeouts)."""


class DeviceRevoked(SyncError):
    """The server revoked this device: the app must wipe its local store."""


class NotEnrolled(SyncError):
    """The server does not know this device (or its signature): enrol again."""


class EnrolmentRefused(SyncError):
    """The enrolment code is unknown, expired or used, or the key is already enrolled."""


class SyncCancelled(SyncError):
    """The cancel event was set; everything applied so far is consistent and kept."""


class ServerMisbehaved(SyncError):
    """The server's answer breaks the protocol (a page that says there is more but does not
    move the cursor on would have the client ask for it again for ever)."""


class ServerRefused(SyncError):
    """The server answered with a client error (4xx) that retrying will not fix."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


class InsecureServerUrl(ValueError):
    """Plain http:// to anything but a loopback address is refused."""
