"""Client side of sync, for the app: enrol, SyncClient, directory calls, exceptions."""

from sync.client.engine import SyncClient, SyncProgress, SyncReport
from sync.client.enrolment import enrol, fetch_device, fetch_sites
from sync.client.errors import (
    DeviceRevoked,
    EnrolmentRefused,
    InsecureServerUrl,
    NotEnrolled,
    ServerMisbehaved,
    ServerRefused,
    ServerUnreachable,
    SyncCancelled,
    SyncError,
)
from sync.client.transport import RetryPolicy, check_server_url
from sync.credentials import DeviceCredentials
from sync.wire import SiteInfo, StaffMember

__all__ = [
    "DeviceCredentials", "DeviceRevoked", "EnrolmentRefused", "InsecureServerUrl", "NotEnrolled",
    "RetryPolicy", "ServerMisbehaved", "ServerRefused", "ServerUnreachable", "SiteInfo",
    "StaffMember", "SyncCancelled", "SyncClient", "SyncError", "SyncProgress", "SyncReport",
    "check_server_url", "enrol", "fetch_device", "fetch_sites",
]
