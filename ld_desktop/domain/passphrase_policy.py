"""Minimum passphrase policy (NCSC guidance: length over complexity, no common choices)."""

from __future__ import annotations

MIN_LENGTH = 12
_COMMON = frozenset(
    {
        "password1234", "passwordpassword", "123456789012", "qwertyuiopas",
        "letmein12345", "changeme1234", "liaisondiversion", "custodysuite",
    }
)


class WeakPassphrase(ValueError):
    """The passphrase does not meet the policy; the message says what to do."""


def check_passphrase(passphrase: str, *, username: str = "") -> None:
    if len(passphrase) < MIN_LENGTH:
        raise WeakPassphrase(
            f"Use at least {MIN_LENGTH} characters; three or four random words work well."
        )
    lowered = passphrase.casefold()
    if lowered in _COMMON or len(set(lowered)) < 5:
        raise WeakPassphrase("That passphrase is too easy to guess; choose another.")
    if username and username.casefold() in lowered:
        raise WeakPassphrase("The passphrase must not contain your username.")
