"""The service's root of authority: register the first administrator's key, read it back."""

from __future__ import annotations

import base64

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.authority_wire import AdminBootstrap, AuthorityRoot
from sync.client.errors import ServerRefused
from sync.client.transport import RetryPolicy, SignedSession, Verify
from sync.credentials import DeviceCredentials
from sync.op_signing import bootstrap_message, public_key_text


def register_first_admin(credentials: DeviceCredentials, code: str, username: str,
                         key: Ed25519PrivateKey, *, transport: httpx.BaseTransport | None = None,
                         verify: Verify = True, retry: RetryPolicy | None = None
                         ) -> AuthorityRoot:
    """Claim a one-time admin code (`ld-sync-server admin-code`) for ``username``'s personal
    key, proving we hold it. Raises ServerRefused (409 once an administrator exists)."""
    public = public_key_text(key)
    proof = base64.b64encode(key.sign(bootstrap_message(code, username, public))).decode()
    body = AdminBootstrap(code=code.strip(), username=username, public_key=public, proof=proof)
    with SignedSession(credentials, credentials.server_url, transport=transport, verify=verify,
                       retry=retry) as session:
        return AuthorityRoot.model_validate(
            session.call("POST", "/v1/authority/root", body.model_dump()))


def fetch_root(credentials: DeviceCredentials, *, transport: httpx.BaseTransport | None = None,
               verify: Verify = True, retry: RetryPolicy | None = None) -> AuthorityRoot | None:
    """The first administrator's key, or None while none is registered."""
    with SignedSession(credentials, credentials.server_url, transport=transport, verify=verify,
                       retry=retry) as session:
        try:
            return AuthorityRoot.model_validate(session.call("GET", "/v1/authority/root"))
        except ServerRefused as exc:
            if exc.status == 404:
                return None
            raise
