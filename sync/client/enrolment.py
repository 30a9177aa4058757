"""Enrolment with a one-time code, and the sites and staff directory calls."""

from __future__ import annotations

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from sync.client.errors import EnrolmentRefused, ServerRefused
from sync.client.transport import RetryPolicy, SignedSession, Verify
from sync.credentials import DeviceCredentials, public_key_b64
from sync.wire import (
    DeviceInfo,
    DeviceNames,
    EnrolRequest,
    EnrolResponse,
    SiteInfo,
    SiteList,
)


def enrol(server_url: str, code: str, device_name: str, *,
          transport: httpx.BaseTransport | None = None, verify: Verify = True,
          retry: RetryPolicy | None = None, training: bool = False) -> DeviceCredentials:
    """Create this workstation's Ed25519 key and enrol it with a one-time code.

    Store the returned credentials encrypted (`DeviceCredentials.to_json`). Raises
    `EnrolmentRefused`, `ServerUnreachable` or `InsecureServerUrl`.
    """
    key = Ed25519PrivateKey.generate()
    request = EnrolRequest(code=code.strip(), public_key=public_key_b64(key),
                           device_name=device_name, training=training)
    with SignedSession(None, server_url, transport=transport, verify=verify,
                       retry=retry) as session:
        try:
            data = session.call("POST", "/v1/enrol", request.model_dump())
        except ServerRefused as exc:
            raise EnrolmentRefused(exc.detail) from exc
    answer = EnrolResponse.model_validate(data)
    if answer.training != training:   # e.g. an older server that ignored the training flag
        raise EnrolmentRefused(
            "a training workstation enrols with a training server only" if training else
            "this is a training server: a live workstation cannot enrol with it")
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return DeviceCredentials(device_id=answer.device_id, private_key=raw,
                             sites=tuple(answer.sites), server_url=session.base_url)


def _session(credentials: DeviceCredentials, transport: httpx.BaseTransport | None,
             verify: Verify, retry: RetryPolicy | None) -> SignedSession:
    return SignedSession(credentials, credentials.server_url, transport=transport,
                         verify=verify, retry=retry)


def fetch_device(credentials: DeviceCredentials, *, transport: httpx.BaseTransport | None = None,
                 verify: Verify = True, retry: RetryPolicy | None = None) -> DeviceInfo:
    """This device as the server sees it (its current sites; raises DeviceRevoked if revoked)."""
    with _session(credentials, transport, verify, retry) as session:
        return DeviceInfo.model_validate(session.call("GET", "/v1/device"))


def fetch_device_names(credentials: DeviceCredentials, *,
                       transport: httpx.BaseTransport | None = None, verify: Verify = True,
                       retry: RetryPolicy | None = None) -> dict[str, str]:
    """Device id -> name of the workstations sharing a site with this one."""
    with _session(credentials, transport, verify, retry) as session:
        names = DeviceNames.model_validate(session.call("GET", "/v1/devices/names"))
    return {entry.device_id: entry.name for entry in names.devices}


def fetch_sites(credentials: DeviceCredentials, *, transport: httpx.BaseTransport | None = None,
                verify: Verify = True, retry: RetryPolicy | None = None) -> list[SiteInfo]:
    """Every site the server knows (ids from `site_id_for`)."""
    with _session(credentials, transport, verify, retry) as session:
        return list(SiteList.model_validate(session.call("GET", "/v1/directory/sites")).sites)
