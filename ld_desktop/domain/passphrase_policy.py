"""Passphrase policy: long enough, and hard to guess as measured by zxcvbn.

Strength is estimated by zxcvbn (Dropbox's estimator: dictionaries, keyboard patterns, dates,
l33t substitutions, repeats), which refuses what an exact-string list cannot, such as
``password12345``, ``qwertyuiop12`` and ``Summer2026!!``. A passphrase must score 4 out of 4
(about 10^10 guesses or more). The advice follows the NCSC's "three random words" guidance:
length from words that mean something only to you, not complexity rules.
"""

from __future__ import annotations

MIN_LENGTH = 12
MIN_SCORE = 4   # zxcvbn's 0-4 scale: 4 is "very unguessable" (>= 10^10 guesses)
# zxcvbn's own cost grows with length; beyond this the estimate no longer changes anything.
_ESTIMATE_CHARS = 100
# Words anyone who knows the service would try first.
_SERVICE_WORDS = ["liaison", "diversion", "custody", "suite", "court", "nhs", "police",
                  "desktop", "workstation"]

ADVICE = ("Use three random words that mean something only to you, for example "
          "'kettle violet harbour' (but not those). Avoid names, dates, places, keyboard "
          "patterns and words that belong together.")


class WeakPassphrase(ValueError):
    """The passphrase does not meet the policy; the message says what to do."""


def check_passphrase(passphrase: str, *, username: str = "") -> None:
    if len(passphrase) < MIN_LENGTH:
        raise WeakPassphrase(
            f"Use at least {MIN_LENGTH} characters: three random words are long enough and "
            "easy to remember.")
    if username and username.casefold() in passphrase.casefold():
        raise WeakPassphrase("The passphrase must not contain your username.")
    inputs = [*_SERVICE_WORDS, *([username] if username else [])]
    if strength(passphrase, inputs) < MIN_SCORE:
        raise WeakPassphrase(f"That passphrase is too easy to guess. {ADVICE}")


def strength(passphrase: str, user_inputs: list[str] | None = None) -> int:
    """zxcvbn's score, 0 (guessed at once) to 4 (very hard to guess)."""
    # imported when a passphrase is checked, not with every module that names the policy's
    # errors: its dictionaries are ~70 ms of every process's start-up (ld-admin, the app)
    from zxcvbn import zxcvbn

    result = zxcvbn(passphrase[:_ESTIMATE_CHARS], user_inputs=user_inputs or [])
    return int(result["score"])
