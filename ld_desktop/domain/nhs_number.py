"""NHS number validation (Modulus 11) and display.

Weights 10..2 on the first nine digits; check = 11 - (sum mod 11); 11 -> 0; 10 -> invalid.
Offline, a valid number is still "unverified" until it is traced against the Spine.
"""

from __future__ import annotations

import re
from enum import StrEnum

_WEIGHTS = range(10, 1, -1)


class NhsNumberStatus(StrEnum):
    UNVERIFIED = "unverified"   # passes the check digit, not yet traced
    VERIFIED = "verified"       # traced (PDS) by someone with access
    NOT_KNOWN = "not-known"     # no number recorded


class InvalidNhsNumber(ValueError):
    """The text is not a valid NHS number; the message says why in plain words."""


def normalise(text: str) -> str:
    """Strip spaces and dashes; raise InvalidNhsNumber with a clear reason if not valid."""
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isdigit():
        raise InvalidNhsNumber("An NHS number has only digits (spaces are allowed).")
    if len(digits) != 10:
        raise InvalidNhsNumber(f"An NHS number has 10 digits; this has {len(digits)}.")
    expected = check_digit(digits[:9])
    if expected is None:
        raise InvalidNhsNumber("This is not a valid NHS number (no check digit is possible).")
    if int(digits[9]) != expected:
        raise InvalidNhsNumber("This is not a valid NHS number: the check digit does not match.")
    return digits


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when the number cannot be valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid(text: str) -> bool:
    try:
        normalise(text)
    except InvalidNhsNumber:
        return False
    return True


def formatted(digits: str) -> str:
    """'9434765919' -> '943 476 5919' (the NHS display format)."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits
