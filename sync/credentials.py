"""A device's identity after enrolment. The app stores the serialised form encrypted."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync.wire import SiteInfo


@dataclass(frozen=True)
class DeviceCredentials:
    device_id: str
    private_key: bytes = field(repr=False)   # raw 32-byte Ed25519 private key: keep it encrypted
    sites: tuple[SiteInfo, ...]
    server_url: str

    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.private_key)

    def public_key_b64(self) -> str:
        return public_key_b64(self.signing_key())

    def to_json(self) -> str:
        return json.dumps({
            "version": 1,
            "device_id": self.device_id,
            "private_key": base64.b64encode(self.private_key).decode(),
            "sites": [site.model_dump() for site in self.sites],
            "server_url": self.server_url,
        })

    @classmethod
    def from_json(cls, text: str) -> DeviceCredentials:
        data = json.loads(text)
        if data.get("version") != 1:
            raise ValueError("unknown device credentials version")
        return cls(
            device_id=str(data["device_id"]),
            private_key=base64.b64decode(data["private_key"]),
            sites=tuple(SiteInfo.model_validate(site) for site in data["sites"]),
            server_url=str(data["server_url"]),
        )


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()
