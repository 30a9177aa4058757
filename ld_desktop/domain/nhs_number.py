"""NHS number validation (Modulus 11) and display.

Weights 10..2 on the first nine digits; check = 11 - (sum mod 11); 11 -> 0; 10 -> invalid.
Offline, a valid number is still "unverified" until it is traced against the Spine.

Accepted shapes, and nothing else: ten ASCII digits, or the 3-3-4 display pattern with one
space or one dash between the groups (the same separator twice), with ordinary whitespace
(space, tab, CR, LF) around the whole. Full-width or superscript digits, non-breaking spaces,
control characters and separators anywhere else are refused with a reason.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

_WEIGHTS = range(10, 1, -1)
_SURROUNDING = " \t\r\n"
_SHAPE = re.compile(r"[0-9]{10}|[0-9]{3}([ -])[0-9]{3}\1[0-9]{4}", re.ASCII)
_ALLOWED = frozenset("0123456789 -")


class NhsNumberStatus(StrEnum):
    UNVERIFIED = "unverified"   # passes the check digit, not yet traced
    VERIFIED = "verified"       # traced (PDS) by someone with access
    NOT_KNOWN = "not-known"     # no number recorded


class InvalidNhsNumber(ValueError):
    """The text is not a valid NHS number; the message says why in plain words."""


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    shown = repr(char) if char.isprintable() and not char.isspace() else ""
    return " ".join(p for p in (shown, f"U+{ord(char):04X}", name.lower()) if p)


def normalise(text: object) -> str:
    """The ten digits; InvalidNhsNumber with a clear reason for anything else."""
    if not isinstance(text, str):
        raise InvalidNhsNumber("An NHS number is entered as text, e.g. 943 476 5919.")
    core = text.strip(_SURROUNDING)
    if not core:
        raise InvalidNhsNumber("No NHS number was entered.")
    stray = next((c for c in core if c not in _ALLOWED), None)
    if stray is not None:
        if stray.isdigit():
            raise InvalidNhsNumber(
                f"An NHS number uses only the digits 0-9; {_describe(stray)} is not one.")
        raise InvalidNhsNumber(
            f"An NHS number has only digits, with spaces or dashes as 3-3-4; "
            f"{_describe(stray)} is not allowed.")
    digits = core.replace(" ", "").replace("-", "")
    if len(digits) != 10:
        raise InvalidNhsNumber(f"An NHS number has 10 digits; this has {len(digits)}.")
    if not _SHAPE.fullmatch(core):
        raise InvalidNhsNumber("Spaces or dashes may only split an NHS number as 3-3-4, "
                               "e.g. 943 476 5919 or 943-476-5919.")
    expected = check_digit(digits[:9])
    if expected is None:
        raise InvalidNhsNumber("This is not a valid NHS number (no check digit is possible).")
    if int(digits[9]) != expected:
        raise InvalidNhsNumber("This is not a valid NHS number: the check digit does not match.")
    return digits


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine ASCII digits, or None when the number cannot be
    valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid(text: object) -> bool:
    """True for a valid NHS number; False for anything else (never raises)."""
    try:
        normalise(text)
    except InvalidNhsNumber:
        return False
    return True


def formatted(digits: str) -> str:
    """'9434765919' -> '943 476 5919' (the NHS display format)."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits
