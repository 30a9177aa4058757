"""The screening controller, driven with plain data and no Qt: what the Screening action
opens, which instruments are suggested for given results and ages (youth rules), and that a
skip hides only the instrument skipped."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from ld_desktop.domain.instruments.flow import FlowError
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.services.clinical.screening_controller import (
    ChooseInstrument,
    ResumeDraft,
    ScreeningController,
    ShowResult,
    StartInstrument,
)
from ld_desktop.services.clinical.screenings import ScreeningView
from ld_desktop.services.clinical.skipped_suggestions import SkippedSuggestionView
from ld_desktop.services.instrument_library import InstrumentLibrary

CASE = uuid.uuid4()
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def screening(instrument: str, state: ScreeningState = ScreeningState.COMPLETED,
              **result: Any) -> ScreeningView:
    done = None if state == ScreeningState.DRAFT else AT
    return ScreeningView(uuid.uuid4(), CASE, instrument, "1.0", state.value, {}, {}, result,
                         False, AT, done, None, None, None)


def skip(instrument: str) -> SkippedSuggestionView:
    return SkippedSuggestionView(uuid.uuid4(), CASE, instrument, "declined", "prac1", AT)


@pytest.fixture(scope="module")
def library() -> InstrumentLibrary:
    return InstrumentLibrary.load()


def ids(controller: ScreeningController) -> list[str]:
    return [d.id for d in controller.next_instruments()]


def test_the_core_screen_comes_first_then_a_draft_is_resumed(library: InstrumentLibrary
                                                             ) -> None:
    assert ScreeningController(library, 34, [], []).next_step() == StartInstrument("ld-core")
    draft = screening("phq9", ScreeningState.DRAFT)
    core = screening("ld-core", suggested_instruments=["phq9"])
    assert ScreeningController(library, 34, [core, draft], []).next_step() == \
        ResumeDraft(draft)
    step = ScreeningController(library, 34, [core], []).next_step()
    assert isinstance(step, ChooseInstrument)
    assert step.suggested == ["phq9"]
    assert "phq9" in {d.id for d in step.offered}


def test_suggestions_follow_the_results_in_order_without_repeats(library: InstrumentLibrary
                                                                 ) -> None:
    core = screening("ld-core", suggested_instruments=["gad7", "phq9", "gad7"])
    audit = screening("auditc", ScreeningState.SIGNED_OFF, follow_ups=["audit"],
                      suggested_instruments=["phq9"])
    controller = ScreeningController(library, 40, [core, audit], [])
    assert controller.suggested_ids() == ["gad7", "phq9", "audit"]
    # auditc itself was used; gad7, phq9 and the full AUDIT are still to do
    assert ids(controller) == ["gad7", "phq9", "audit"]


def test_a_draft_suggests_nothing_until_it_is_finished(library: InstrumentLibrary) -> None:
    core = screening("ld-core", ScreeningState.DRAFT, suggested_instruments=["phq9"])
    assert ScreeningController(library, 40, [core], []).next_instruments() == []


def test_used_and_skipped_instruments_are_not_suggested_again(library: InstrumentLibrary
                                                              ) -> None:
    core = screening("ld-core", suggested_instruments=["phq9", "gad7", "k10"])
    phq9 = screening("phq9", ScreeningState.DRAFT)
    controller = ScreeningController(library, 30, [core, phq9], [skip("gad7")])
    assert ids(controller) == ["k10"]


@pytest.mark.parametrize(("age", "expected"), [
    (15, []),                        # adult-only instruments are never suggested to a 15-year-old
    (17, []),
    (18, ["phq9", "audit", "dast10"]),
    (None, ["phq9", "audit", "dast10"]),   # age unknown: offered, the practitioner judges
])
def test_youth_rules_for_suggestions(library: InstrumentLibrary, age: int | None,
                                     expected: list[str]) -> None:
    core = screening("ld-core", suggested_instruments=["phq9", "audit", "dast10"])
    assert ids(ScreeningController(library, age, [core], [])) == expected


def test_a_young_person_is_offered_only_youth_variants(library: InstrumentLibrary) -> None:
    core = screening("ld-core", suggested_instruments=["phq9"])
    step = ScreeningController(library, 14, [core], []).next_step()
    assert isinstance(step, ChooseInstrument)
    assert all(d.youth_variant for d in step.offered)
    with pytest.raises(FlowError, match="PHQ-9 is not for someone aged 14"):
        ScreeningController(library, 14, [core], []).check_start("phq9")
    assert ScreeningController(library, 44, [core], []).check_start("phq9").id == "phq9"
    with pytest.raises(KeyError):
        ScreeningController(library, 44, [core], []).check_start("no-such-instrument")


def test_a_suggestion_naming_an_unknown_instrument_is_left_out(library: InstrumentLibrary
                                                               ) -> None:
    core = screening("ld-core", suggested_instruments=["retired-tool", "phq9", 7])
    assert ids(ScreeningController(library, 50, [core], [])) == ["phq9"]


def test_opening_a_listed_screening_by_id(library: InstrumentLibrary) -> None:
    draft = screening("phq9", ScreeningState.DRAFT)
    done = screening("ld-core")
    controller = ScreeningController(library, 30, [done, draft], [])
    assert controller.open(draft.id) == ResumeDraft(draft)
    assert controller.open(done.id) == ShowResult(done)
    assert controller.open(uuid.uuid4()) is None


def test_the_controller_runs_without_qt() -> None:
    code = ("import sys; import ld_desktop.services.clinical.screening_controller; "
            "print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
