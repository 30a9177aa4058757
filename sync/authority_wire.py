"""Wire models of the service's authority: registering the first administrator's key."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdminBootstrap(_Model):
    """Claims a one-time admin code for ``username``'s personal key; ``proof`` is that key's
    signature over ``sync.op_signing.bootstrap_message`` (base64), so only its holder can."""

    code: str = Field(min_length=4, max_length=64)
    username: str = Field(min_length=1, max_length=128)
    public_key: str = Field(min_length=40, max_length=64)
    proof: str = Field(min_length=40, max_length=128)


class AuthorityRoot(_Model):
    """The first administrator: every directory signature leads back to this key."""

    username: str
    public_key: str
    fingerprint: str
