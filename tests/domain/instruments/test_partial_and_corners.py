"""Issue 15: what a half-answered form already proves, and the scoring corners.

Sources are named in each definition file (``rules`` and each flag's ``source``).
"""

from __future__ import annotations

import pytest

from ld_desktop.domain.instruments import InvalidAnswer, evaluate, parse_definition
from ld_desktop.domain.instruments.definition import DefinitionError
from ld_desktop.services.instrument_library import InstrumentLibrary


def answers(prefix: str, values: list[object], skip: tuple[int, ...] = ()) -> dict[str, object]:
    return {f"{prefix}.{n}": v for n, v in enumerate(values, 1) if n not in skip}


def flag_ids(result) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {f.id: f.partial for f in result.flags}


# ------------------------------------------------------------------ partial results
def test_issue_example_phq9_item_1_missing_rest_at_3(library: InstrumentLibrary) -> None:
    """Items 2-10 all at 3, item 1 missing: at least 24 of 27, and everything that proves."""
    result = evaluate(library.get("phq9"), answers("phq9", [0] + [3] * 9, skip=(1,)))
    total = result.scores["total"]
    assert (total.value, total.low, total.high) == (None, 24, 27)
    assert total.words() == "PHQ-9 total: at least 24 (8 of 9 items), severe depression"
    flags = flag_ids(result)
    assert flags["self-harm-thoughts"] is False          # item 9 alone: certain, not partial
    assert flags["moderate-or-worse"] is True             # rests on the partial sum
    assert flags["major-depressive-syndrome"] is True     # item 2 core + 8 symptoms already
    assert "other-depressive-syndrome" not in flags       # cannot hold with 8 symptoms
    assert result.escalation == "urgent"
    assert "cmht" in result.referrals
    assert not result.complete
    assert result.to_json()["complete"] is False


def test_partial_below_a_cut_off_does_not_fire(library: InstrumentLibrary) -> None:
    """8 of 9 items summing to 7: could still reach 10, so no moderate flag yet."""
    result = evaluate(library.get("phq9"), answers("phq9", [1, 1, 1, 1, 1, 1, 1, 0]))
    assert "moderate-or-worse" not in flag_ids(result)
    assert result.scores["total"].band is None
    assert result.scores["total"].band_at_least == "mild depression"
    assert "mild depression or higher" in result.summary()


@pytest.mark.parametrize(("instrument", "values", "skip", "flag"), [
    ("gad7", [3, 3, 3, 3, 0, 0, 0], (5, 6, 7), "probable-gad"),
    ("audit", [4, 4, 4, 4, 4, 0, 0, 0, 0, 0], (6, 7, 8, 9, 10), "possible-dependence"),
    ("dast10", [True, True, False, True, True, True, True, 0, 0, 0], (8, 9, 10), "substantial"),
    ("aq10", ["definitely-agree", "definitely-disagree", "slightly-disagree",
              "definitely-disagree", "slightly-disagree", "definitely-disagree"] + ["x"] * 4,
     (7, 8, 9, 10), "refer"),
])
def test_every_instrument_fires_what_the_partial_sum_passes(
        library: InstrumentLibrary, instrument: str, values: list[object],
        skip: tuple[int, ...], flag: str) -> None:
    result = evaluate(library.get(instrument), answers(instrument, values, skip))
    assert flag_ids(result).get(flag) is True, result.summary()
    assert result.scores["total"].value is None
    assert "partial form" in result.summary() or result.flags[0].severity.value == "info"


def test_dast10_reverse_scored_item_missing_bounds_both_ways(library: InstrumentLibrary
                                                             ) -> None:
    result = evaluate(library.get("dast10"), answers("dast10", [False] * 10, skip=(3,)))
    assert (result.scores["total"].low, result.scores["total"].high) == (0, 1)


# ------------------------------------------------------------------ K10 pro-rating
@pytest.mark.parametrize(("nine", "expected"), [
    ([1] * 9, 10), ([5] * 9, 50), ([3] * 9, 30), ([4, 4, 4, 4, 3, 3, 3, 3, 3], 34),
    ([2, 2, 2, 2, 2, 2, 2, 2, 3], 21),      # 19 / 9 x 10 = 21.1 -> 21
    ([3, 3, 3, 3, 3, 3, 3, 3, 2], 29),      # 26 / 9 x 10 = 28.9 -> 29
])
def test_k10_one_missing_item_is_prorated_by_the_amhocn_rule(
        library: InstrumentLibrary, nine: list[int], expected: int) -> None:
    k10 = library.get("k10")
    result = evaluate(k10, answers("k10", [*nine, 0], skip=(10,)))
    total = result.scores["total"]
    assert total.value == expected == round(sum(nine) / 9 * 10)
    assert total.prorated
    assert not total.complete
    assert total.prorate_source
    assert "AMHOCN" in total.prorate_source
    assert "pro-rated from 9 of 10 items" in total.words()


def test_k10_prorated_flag_is_marked_as_an_estimate(library: InstrumentLibrary) -> None:
    result = evaluate(library.get("k10"), answers("k10", [3] * 9 + [0], skip=(10,)))
    assert result.scores["total"].value == 30
    (flag,) = result.flags
    assert flag.id == "very-high"
    assert flag.prorated
    assert "pro-rated estimate" in flag.words()
    proven = evaluate(library.get("k10"), answers("k10", [4] * 9 + [0], skip=(10,)))
    assert not proven.flags[0].prorated                  # 36 + at least 1: proven


def test_k10_two_missing_items_give_no_total(library: InstrumentLibrary) -> None:
    result = evaluate(library.get("k10"), answers("k10", [5] * 10, skip=(9, 10)))
    assert result.scores["total"].value is None
    assert result.scores["total"].low == 42
    assert flag_ids(result) == {"very-high": True}       # 42 already proves 30 or more


# ------------------------------------------------------------------ PHQ-9
@pytest.mark.parametrize(("values", "major", "other"), [
    ([2, 0, 2, 2, 2, 2, 0, 0, 0], True, False),     # 5 symptoms, item 1 core
    ([0, 3, 3, 3, 3, 0, 0, 0, 1], True, False),     # item 9 counts at 1 ('several days')
    ([0, 0, 3, 3, 3, 3, 3, 3, 3], False, False),    # no core symptom: neither
    ([2, 2, 2, 2, 0, 0, 0, 0, 0], False, True),     # 4 symptoms with core
    ([2, 0, 0, 0, 0, 0, 0, 0, 1], False, True),     # 2 symptoms (item 9 at 1)
    ([2, 0, 0, 0, 0, 0, 0, 0, 0], False, False),    # 1 symptom
    ([1, 1, 1, 1, 1, 1, 1, 1, 0], False, False),    # 'several days' is not a symptom
])
def test_phq9_dsm_syndrome_criteria(library: InstrumentLibrary, values: list[int], major: bool,
                                    other: bool) -> None:
    """Spitzer 1999 algorithm (the CamCOPS reference implementation agrees): a symptom is an
    item at 'more than half the days' or more, item 9 at any frequency; major = 5 or more
    with item 1 or 2 among them; other = 2 to 4 with item 1 or 2."""
    extra = [1] if any(values) else []
    result = evaluate(library.get("phq9"), answers("phq9", values + extra))
    ids = flag_ids(result)
    assert ("major-depressive-syndrome" in ids) is major
    assert ("other-depressive-syndrome" in ids) is other
    assert all(f.source for f in result.flags)


def test_phq9_item_10_completeness(library: InstrumentLibrary) -> None:
    phq9 = library.get("phq9")
    without_10 = evaluate(phq9, answers("phq9", [1] * 9))
    assert without_10.scores["total"].complete        # the total needs items 1-9 only
    assert not without_10.complete                     # the form needs item 10 here
    assert without_10.missing_required == ("phq9.10",)
    assert without_10.to_json()["complete"] is False
    assert evaluate(phq9, answers("phq9", [1] * 10)).complete
    assert evaluate(phq9, answers("phq9", [0] * 9)).complete   # not asked when all 0
    with pytest.raises(InvalidAnswer, match=r"phq9\.10"):
        evaluate(phq9, answers("phq9", [0] * 9 + [2]))


def test_phq9_age_range_is_consistent(library: InstrumentLibrary) -> None:
    phq9 = library.get("phq9")
    assert phq9.minimum_age == 18
    assert not phq9.youth_variant
    assert not phq9.suitable_for(17)
    assert phq9.suitable_for(18)
    data = phq9.model_dump(mode="json", exclude_none=True)
    data["minimum_age"] = 12
    with pytest.raises(DefinitionError, match="youth_variant"):
        parse_definition(data, "phq9-youth.json")


# ------------------------------------------------------------------ AUDIT and AQ-10
def test_audit_answer_to_a_skipped_item_is_refused_with_the_rule(library: InstrumentLibrary
                                                                 ) -> None:
    audit = library.get("audit")
    with pytest.raises(InvalidAnswer, match=r"audit\.4 .*Skipped when questions 2 and 3"):
        evaluate(audit, {"audit.1": 2, "audit.2": 0, "audit.3": 0, "audit.4": 3,
                         "audit.9": 0, "audit.10": 0})
    with pytest.raises(InvalidAnswer, match=r"audit\.2 .*Never"):
        evaluate(audit, {"audit.1": 0, "audit.2": 1, "audit.9": 0, "audit.10": 0})


def test_aq10_cut_off_is_cited_and_shown_on_the_result(library: InstrumentLibrary) -> None:
    # agree with 1, 7, 8 (3 points) and disagree with 2, 3, 4 (3 points): 6
    values = ["definitely-agree" if n in (1, 7, 8) else
              "slightly-disagree" if n in (2, 3, 4) else "definitely-agree"
              for n in range(1, 11)]
    values[9] = "definitely-disagree"        # item 10 disagree: 0
    result = evaluate(library.get("aq10"), answers("aq10", values))
    assert result.scores["total"].value == 6
    by_id = {f.id: f for f in result.flags}
    assert "cut-off 6" in by_id["refer"].text
    assert "Allison" in (by_id["refer"].source or "")
    assert "more than 6" in by_id["cut-off-note"].text
    assert "Waldren" in (by_id["cut-off-note"].source or "")


def test_a_condition_naming_an_unknown_item_or_score_does_not_load(library: InstrumentLibrary
                                                                    ) -> None:
    data = library.get("phq9").model_dump(mode="json", exclude_none=True)
    data["flags"][0]["when"] = {"item": "phq9.99", "op": "gt", "value": 0}
    with pytest.raises(DefinitionError, match=r"unknown item 'phq9\.99'"):
        parse_definition(data, "phq9-bad.json")
    data = library.get("phq9").model_dump(mode="json", exclude_none=True)
    data["flags"][0]["when"] = {"score": "totl", "op": "ge", "value": 10}
    with pytest.raises(DefinitionError, match="unknown score 'totl'"):
        parse_definition(data, "phq9-bad.json")


def test_every_flag_and_prorating_rule_names_its_source(library: InstrumentLibrary) -> None:
    for definition in library.all():
        if definition.kind != "validated":
            continue
        assert definition.rules, definition.id
        assert all(f.source for f in definition.flags), definition.id
        assert all(s.prorate_source for s in definition.scores if s.minimum_answered)


def test_docs_table_lists_every_rule(library: InstrumentLibrary) -> None:
    from pathlib import Path
    docs = (Path(__file__).resolve().parents[3] / "docs" / "instruments.md").read_text("utf-8")
    for definition in library.all():
        for rule in definition.rules:
            assert f"| `{definition.id}` | {rule.rule} | {rule.source} |" in docs, rule.rule


@pytest.mark.parametrize(("instrument", "item"), [("phq9", "phq9.9"), ("audit", "audit.1"),
                                                   ("gad7", "gad7.1")])
@pytest.mark.parametrize("value", [True, False])
def test_a_yes_no_answer_to_a_scored_choice_is_refused(library: InstrumentLibrary,
                                                       instrument: str, item: str,
                                                       value: bool) -> None:
    """JSON true/false (a buggy import, a forged op) for a 0-3 item was taken as 1 or 0,
    because True == 1 in Python: PHQ-9 item 9 'true' scored as 'several days'."""
    with pytest.raises(InvalidAnswer, match="not one of"):
        evaluate(library.get(instrument), {item: value})
