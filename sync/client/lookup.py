"""The cross-site person lookup call (see `sync.lookup`)."""

from __future__ import annotations

import uuid

import httpx

from sync.client.transport import RetryPolicy, SignedSession, Verify
from sync.credentials import DeviceCredentials
from sync.lookup import LookupList, PersonLookupRequest, PersonLookupResponse


def look_up_person(credentials: DeviceCredentials, request: PersonLookupRequest, *,
                   transport: httpx.BaseTransport | None = None, verify: Verify = True,
                   retry: RetryPolicy | None = None) -> PersonLookupResponse:
    """Ask the server for a person first seen at another site. The server records the lookup
    and shares the people found with ``request.site_id``; a sync then brings them in.
    Raises `ServerUnreachable` (offline), `ServerRefused`, `DeviceRevoked`."""
    with SignedSession(credentials, credentials.server_url, transport=transport,
                       verify=verify, retry=retry) as session:
        data = session.call("POST", "/v1/persons/lookup", request.model_dump(mode="json"))
    return PersonLookupResponse.model_validate(data)


def person_lookups(credentials: DeviceCredentials, person_id: uuid.UUID, *,
                   transport: httpx.BaseTransport | None = None, verify: Verify = True,
                   retry: RetryPolicy | None = None) -> LookupList:
    """Who looked this person up, from which site, as the server recorded it."""
    with SignedSession(credentials, credentials.server_url, transport=transport,
                       verify=verify, retry=retry) as session:
        return LookupList.model_validate(session.call("GET",
                                                      f"/v1/persons/{person_id}/lookups"))
