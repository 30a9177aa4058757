"""The result page says when a form is partial, marks partial and pro-rated flags, and shows
where each cut-off comes from (AQ-10's included)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtWidgets import QLabel

from ld_desktop.domain.instruments import evaluate
from ld_desktop.services.clinical.screenings import ScreeningView
from ld_desktop.services.instrument_library import InstrumentLibrary
from ld_desktop.ui.clinical.result_panel import ResultPanel, flag_lines, score_lines

LIB = InstrumentLibrary.load()


def _view(instrument: str, result: dict[str, object]) -> ScreeningView:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    return ScreeningView(uuid.uuid4(), uuid.uuid4(), instrument, "1.0", "completed", {}, {},
                         result, False, now, now, None, None, None)


def test_partial_phq9_result_page(qtbot) -> None:  # type: ignore[no-untyped-def]
    result = evaluate(LIB.get("phq9"), {f"phq9.{n}": 3 for n in range(2, 10)}).to_json()
    assert score_lines(result)[0] == ("PHQ-9 total: at least 24 (8 of 9 items), "
                                      "severe depression")
    lines = dict(flag_lines(result))
    assert lines["warning"].endswith("[partial form: already proven by the answers given]")
    assert not lines["urgent"].endswith("]")              # item 9 alone: certain
    panel = ResultPanel(_view("phq9", result), LIB.get("phq9"), [], can_sign_off=True)
    qtbot.addWidget(panel)
    texts = [label.text() for label in panel.findChildren(QLabel)]
    assert any(t.startswith("PARTIAL: not every question was answered") for t in texts)
    assert any("Kroenke" in t for t in texts if t.startswith("Cut-offs and sources"))


def test_aq10_cut_off_and_source_on_the_result_page(qtbot) -> None:  # type: ignore[no-untyped-def]
    answers = {f"aq10.{n}": "definitely-agree" for n in (1, 7, 8)}
    answers |= {f"aq10.{n}": "definitely-disagree" for n in (2, 3, 4)}
    answers |= {f"aq10.{n}": "definitely-agree" for n in (5, 6, 9)}
    answers["aq10.10"] = "definitely-disagree"
    result = evaluate(LIB.get("aq10"), answers).to_json()
    panel = ResultPanel(_view("aq10", result), LIB.get("aq10"), [], can_sign_off=True)
    qtbot.addWidget(panel)
    texts = " ".join(label.text() for label in panel.findChildren(QLabel))
    assert "AQ-10 6 or more (cut-off 6, Allison et al. 2012)" in texts
    assert "more than 6" in texts
    assert "Waldren" in texts


def test_k10_prorated_on_the_result_page() -> None:
    result = evaluate(LIB.get("k10"), {f"k10.{n}": 3 for n in range(1, 10)}).to_json()
    assert score_lines(result)[0].startswith("K10 total 30 pro-rated from 9 of 10 items")
    assert "AMHOCN" in score_lines(result)[0]
    assert flag_lines(result)[0][1].endswith("[pro-rated estimate]")


def test_chooser_says_which_imported_definition_is_not_offered_and_why(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ld_desktop.ui.clinical.instrument_chooser import InstrumentChooser
    problem = "imported k10: scores.0: a pro-rating rule must name its source"
    chooser = InstrumentChooser(LIB.all(), [], None, [problem])
    qtbot.addWidget(chooser)
    texts = [label.text() for label in chooser.findChildren(QLabel)]
    assert f"Not offered: {problem}" in texts
