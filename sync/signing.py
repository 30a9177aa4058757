"""Request signatures in the style of RFC 9421 (HTTP Message Signatures), Ed25519.

The signature covers the method, the path (with query), the body digest (RFC 9530
``Content-Digest``), a creation time, a nonce and the key id (the device id)::

    Content-Digest: sha-256=:<base64>:
    Signature-Input: sig1=("@method" "@path" "content-digest");created=1700000000;\
nonce="<hex>";keyid="<device id>";alg="ed25519"
    Signature: sig1=:<base64>:

Shared by the client (signs) and the server (verifies); no HTTP library is imported here.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

COVERED = ('"@method"', '"@path"', '"content-digest"')
LABEL = "sig1"
MAX_SKEW_SECONDS = 300
_INPUT_RE = re.compile(
    r'^sig1=\("@method" "@path" "content-digest"\);created=(?P<created>\d{1,12});'
    r'nonce="(?P<nonce>[0-9a-f]{16,64})";keyid="(?P<keyid>[A-Za-z0-9-]{1,64})";alg="ed25519"$'
)
_SIGNATURE_RE = re.compile(r"^sig1=:(?P<sig>[A-Za-z0-9+/=]{80,100}):$")


class SignatureError(ValueError):
    """The signature headers are missing, malformed or do not verify."""


@dataclass(frozen=True)
class SignatureParams:
    created: int
    nonce: str
    keyid: str

    def serialise(self) -> str:
        return (
            f"({' '.join(COVERED)});created={self.created};nonce=\"{self.nonce}\";"
            f'keyid="{self.keyid}";alg="ed25519"'
        )


def content_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def signature_base(method: str, path: str, digest: str, params: SignatureParams) -> bytes:
    lines = [
        f'"@method": {method.upper()}',
        f'"@path": {path}',
        f'"content-digest": {digest}',
        f'"@signature-params": {params.serialise()}',
    ]
    return "\n".join(lines).encode()


def sign_request(
    key: Ed25519PrivateKey, keyid: str, method: str, path: str, body: bytes,
    *, now: float | None = None,
) -> dict[str, str]:
    """Headers to add to a request."""
    params = SignatureParams(int(now if now is not None else time.time()), secrets.token_hex(16),
                             keyid)
    digest = content_digest(body)
    signature = key.sign(signature_base(method, path, digest, params))
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{LABEL}={params.serialise()}",
        "Signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:",
    }


def parse_signature_input(value: str | None) -> SignatureParams:
    match = _INPUT_RE.match(value or "")
    if match is None:
        raise SignatureError("missing or malformed Signature-Input header")
    return SignatureParams(int(match["created"]), match["nonce"], match["keyid"])


def verify_request(
    public_key: Ed25519PublicKey, params: SignatureParams, method: str, path: str, body: bytes,
    digest_header: str | None, signature_header: str | None,
) -> None:
    """Raise SignatureError unless the body digest and the signature are right."""
    digest = content_digest(body)
    if digest_header != digest:
        raise SignatureError("Content-Digest does not match the body")
    match = _SIGNATURE_RE.match(signature_header or "")
    if match is None:
        raise SignatureError("missing or malformed Signature header")
    try:
        public_key.verify(base64.b64decode(match["sig"]),
                          signature_base(method, path, digest, params))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("signature does not verify") from exc


def within_window(created: int, *, now: float | None = None) -> bool:
    current = now if now is not None else time.time()
    return abs(current - created) <= MAX_SKEW_SECONDS
