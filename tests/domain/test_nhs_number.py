"""NHS number: only ASCII digits, spaces or dashes only as 3-3-4, clear refusals, and
is_valid never raises (issue 15, item 4). 943 476 5919 is the NHS Data Dictionary's own
worked example of a valid number (synthetic)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ld_desktop.domain.nhs_number import InvalidNhsNumber, is_valid, normalise

VALID = "9434765919"


@pytest.mark.parametrize("text", [
    VALID, "943 476 5919", "943-476-5919", "  943 476 5919\n", "\t9434765919 ",
])
def test_accepted_shapes(text: str) -> None:
    assert normalise(text) == VALID
    assert is_valid(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("９４３４７６５９１９", "only the digits 0-9"),              # full-width digits
    ("943476591\u00b2", "only the digits 0-9"),                    # superscript two
    ("٩٤٣٤٧٦٥٩١٩", "only the digits 0-9"),                        # Arabic-Indic digits
    ("943\u00a0476\u00a05919", "U+00A0"),                          # no-break space
    ("943\n476 5919", "U+000A"),                                   # newline inside
    ("943\x00476 5919", "U+0000"),                                 # control character
    ("943 4765 919", "3-3-4"), ("9 4 3 4 7 6 5 9 1 9", "3-3-4"),
    ("943--476-5919", "3-3-4"), ("943 476-5919", "3-3-4"), ("-9434765919", "3-3-4"),
    ("943  476 5919", "3-3-4"),
    ("94347659", "10 digits; this has 8"), ("", "No NHS number"), ("   ", "No NHS number"),
    ("9434765918", "check digit does not match"),
])
def test_refusals_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidNhsNumber, match=reason.replace("+", r"\+")):
        normalise(text)
    assert is_valid(text) is False


@pytest.mark.parametrize("value", [None, 9434765919, 943.0, b"9434765919", ["9434765919"]])
def test_is_valid_false_for_non_text(value: object) -> None:
    assert is_valid(value) is False
    with pytest.raises(InvalidNhsNumber, match="as text"):
        normalise(value)


@given(st.one_of(st.text(), st.integers(), st.none(), st.binary(), st.floats()))
def test_is_valid_never_raises(value: object) -> None:
    result = is_valid(value)
    assert isinstance(result, bool)
    if result:
        assert isinstance(value, str)
        assert normalise(value).isascii()
