"""Table-driven scoring checks, each against the instrument's published scoring guide:

- PHQ-9: Kroenke K, Spitzer RL, Williams JB. J Gen Intern Med 2001;16:606-13 (Table: 5, 10,
  15, 20 = mild, moderate, moderately severe, severe; item 9 any positive = suicide risk).
- GAD-7: Spitzer RL et al. Arch Intern Med 2006;166:1092-7 (5, 10, 15; 10+ probable GAD).
- AUDIT / AUDIT-C: Babor TF et al., WHO AUDIT guidelines 2nd ed. 2001 (zones 8, 16, 20;
  items 9-10 scored 0/2/4; skip rules); AUDIT-C UK positive threshold 5 (OHID guidance).
- K10: Kessler RC et al. Psychol Med 2002;32:959-76; bands 10-15, 16-21, 22-29, 30-50 as used
  by the Australian Bureau of Statistics and in the L&D brief.
- DAST-10: Skinner HA. Addict Behav 1982;7:363-71 (item 3 reverse-scored; 0, 1-2, 3-5, 6-8, 9-10).
- AQ-10: Allison C, Auyeung B, Baron-Cohen S. JAACAP 2012;51:202-12 (agree scores on 1, 7, 8,
  10; disagree on 2-6, 9; refer at 6).
"""

from __future__ import annotations

import pytest

from ld_desktop.domain.instruments import InvalidAnswer, evaluate
from ld_desktop.services.instrument_library import InstrumentLibrary


def answers(prefix: str, values: list[object]) -> dict[str, object]:
    return {f"{prefix}.{n}": v for n, v in enumerate(values, 1)}


@pytest.mark.parametrize(("values", "total", "band"), [
    ([0] * 9, 0, "minimal or no depression"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal or no depression"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild depression"),
    ([1] * 9, 9, "mild depression"),
    ([2, 2, 2, 2, 2, 0, 0, 0, 0], 10, "moderate depression"),
    ([2, 2, 2, 2, 2, 2, 2, 0, 0], 14, "moderate depression"),
    ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately severe depression"),
    ([3, 3, 3, 3, 3, 2, 2, 0, 0], 19, "moderately severe depression"),
    ([3, 3, 3, 3, 2, 2, 2, 2, 1], 21, "severe depression"),
    ([3] * 9, 27, "severe depression"),
])
def test_phq9_totals_and_bands(library: InstrumentLibrary, values: list[int], total: int,
                               band: str) -> None:
    result = evaluate(library.get("phq9"), answers("phq9", values))
    assert result.scores["total"].value == total
    assert result.scores["total"].band == band


def test_phq9_item_9_raises_the_urgent_flag_whatever_the_total(library: InstrumentLibrary
                                                                ) -> None:
    result = evaluate(library.get("phq9"), answers("phq9", [0] * 8 + [1]))
    assert result.scores["total"].value == 1
    assert result.flags[0].id == "self-harm-thoughts"
    assert result.flags[0].severity.value == "urgent"
    assert result.escalation == "urgent"
    assert "suicide-self-harm" in result.domains
    clean = evaluate(library.get("phq9"), answers("phq9", [3] * 8 + [0]))
    assert "self-harm-thoughts" not in {f.id for f in clean.flags}


def test_phq9_missing_item_gives_a_proven_partial_score(library: InstrumentLibrary) -> None:
    result = evaluate(library.get("phq9"), answers("phq9", [3] * 8))
    total = result.scores["total"]
    assert total.value is None
    assert not total.complete
    assert (total.low, total.high) == (24, 27)
    assert total.band == "severe depression"        # 24-27 is severe whatever item 9 is
    assert result.missing_required == ("phq9.9", "phq9.10")
    assert "at least 24 (8 of 9 items)" in result.summary()
    assert result.summary().startswith("PARTIAL")


@pytest.mark.parametrize(("values", "total", "band", "probable"), [
    ([0] * 7, 0, "minimal anxiety", False),
    ([1, 1, 1, 1, 0, 0, 0], 4, "minimal anxiety", False),
    ([1, 1, 1, 1, 1, 0, 0], 5, "mild anxiety", False),
    ([1, 1, 1, 2, 2, 2, 0], 9, "mild anxiety", False),
    ([2, 2, 2, 2, 2, 0, 0], 10, "moderate anxiety", True),
    ([2, 2, 2, 2, 2, 2, 2], 14, "moderate anxiety", True),
    ([3, 3, 3, 2, 2, 2, 0], 15, "severe anxiety", True), ([3] * 7, 21, "severe anxiety", True),
])
def test_gad7_totals_bands_and_threshold(library: InstrumentLibrary, values: list[int],
                                         total: int, band: str, probable: bool) -> None:
    result = evaluate(library.get("gad7"), answers("gad7", values))
    assert result.scores["total"].value == total
    assert result.scores["total"].band == band
    assert ("probable-gad" in {f.id for f in result.flags}) is probable


@pytest.mark.parametrize(("values", "sex", "positive"), [
    ([0, 0, 0], "male", False), ([1, 1, 1], "male", False), ([1, 1, 2], "male", True),
    ([1, 1, 0], "female", False), ([1, 1, 1], "female", True), ([4, 4, 4], "female", True),
    ([1, 1, 1], None, True), ([1, 1, 0], None, False), ([1, 1, 1], "other", True),
])
def test_auditc_cut_offs_by_sex_offer_full_audit(library: InstrumentLibrary, values: list[int],
                                                 sex: str | None, positive: bool) -> None:
    """Bush 1998: men 4 or more; Bradley 2003: women 3 or more; sex not recorded: 3."""
    result = evaluate(library.get("auditc"), answers("auditc", values), context={"sex": sex})
    assert result.scores["total"].value == sum(values)
    assert (result.follow_ups == ("audit",)) is positive
    assert bool(result.flags) is positive
    if positive:
        assert result.flags[0].source
        assert ("Bush" in result.flags[0].source
                                           or "Bradley" in result.flags[0].source)


@pytest.mark.parametrize(("values", "total", "zone"), [
    ([1, 1, 1, 1, 1, 1, 1, 0, 0, 0], 7, "zone I: lower risk"),
    ([1, 1, 1, 1, 1, 1, 1, 1, 0, 2], 10, "zone II: increasing risk"),
    ([2, 2, 2, 2, 2, 2, 2, 0, 2, 0], 16, "zone III: higher risk"),
    ([2, 2, 2, 2, 2, 2, 2, 1, 2, 2], 19, "zone III: higher risk"),
    ([4, 4, 4, 4, 4, 4, 4, 4, 4, 4], 40, "zone IV: possible dependence"),
])
def test_audit_zones(library: InstrumentLibrary, values: list[int], total: int, zone: str
                     ) -> None:
    result = evaluate(library.get("audit"), answers("audit", values))
    assert result.scores["total"].value == total
    assert result.scores["total"].band == zone


def test_audit_skip_rules_score_skipped_items_zero(library: InstrumentLibrary) -> None:
    audit = library.get("audit")
    never = evaluate(audit, {"audit.1": 0, "audit.9": 0, "audit.10": 2})
    assert never.scores["total"].value == 2          # items 2-8 skipped: complete, not missing
    assert never.scores["total"].complete
    low = evaluate(audit, {"audit.1": 1, "audit.2": 0, "audit.3": 0, "audit.9": 0, "audit.10": 0})
    assert low.scores["total"].value == 1
    assert low.missing_required == ()
    with pytest.raises(InvalidAnswer, match="not one of"):
        evaluate(audit, {"audit.9": 1})              # items 9-10 are 0, 2 or 4 only


@pytest.mark.parametrize(("value", "total", "band"), [
    (1, 10, "low distress"), (2, 20, "moderate distress"), (3, 30, "very high distress"),
])
def test_k10_range_starts_at_ten(library: InstrumentLibrary, value: int, total: int, band: str
                                 ) -> None:
    result = evaluate(library.get("k10"), answers("k10", [value] * 10))
    assert result.scores["total"].value == total
    assert result.scores["total"].band == band


def test_k10_boundaries(library: InstrumentLibrary) -> None:
    k10 = library.get("k10")
    for total, band in ((15, "low distress"), (16, "moderate distress"), (21, "moderate distress"),
                        (22, "high distress"), (29, "high distress"), (30, "very high distress")):
        values = [1] * 10
        extra = total - 10
        for i in range(10):
            step = min(4, extra)
            values[i] += step
            extra -= step
        assert evaluate(k10, answers("k10", values)).scores["total"].band == band


def test_dast10_item_3_is_reverse_scored(library: InstrumentLibrary) -> None:
    dast = library.get("dast10")
    all_no = evaluate(dast, answers("dast10", [False] * 10))
    assert all_no.scores["total"].value == 1         # "no" to item 3 scores 1
    assert all_no.scores["total"].band == "low level"
    healthy = [False, False, True, False, False, False, False, False, False, False]
    assert evaluate(dast, answers("dast10", healthy)).scores["total"].value == 0
    worst = [True, True, False, True, True, True, True, True, True, True]
    result = evaluate(dast, answers("dast10", worst))
    assert result.scores["total"].value == 10
    assert result.scores["total"].band == "severe level"


def test_aq10_direction_of_each_item_and_referral_threshold(library: InstrumentLibrary
                                                             ) -> None:
    aq = library.get("aq10")
    agree_items = {1, 7, 8, 10}
    autistic = {f"aq10.{n}": ("definitely-agree" if n in agree_items else "slightly-disagree")
                for n in range(1, 11)}
    result = evaluate(aq, autistic)
    assert result.scores["total"].value == 10
    assert "refer" in {f.id for f in result.flags}
    typical = {f"aq10.{n}": ("definitely-disagree" if n in agree_items else "slightly-agree")
               for n in range(1, 11)}
    assert evaluate(aq, typical).scores["total"].value == 0
    five = dict(typical, **{f"aq10.{n}": "slightly-agree" for n in (1, 7, 8, 10)},
                **{"aq10.2": "definitely-disagree"})
    assert evaluate(aq, five).scores["total"].value == 5
    six = dict(five, **{"aq10.3": "definitely-disagree"})
    assert evaluate(aq, six).scores["total"].band == "refer for specialist autism assessment"


def test_unknown_item_and_out_of_range_value_are_refused(library: InstrumentLibrary) -> None:
    with pytest.raises(InvalidAnswer, match="no such item"):
        evaluate(library.get("phq9"), {"phq9.11": 0})
    with pytest.raises(InvalidAnswer, match="not one of"):
        evaluate(library.get("phq9"), {"phq9.1": 4})
