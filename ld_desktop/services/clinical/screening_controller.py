"""What the case page does next with screenings, decided without Qt (Electrum's GUI-neutral
wizard idea, as ``domain/instruments/flow.py`` does for the questions themselves).

The controller holds a case's screenings and skipped suggestions and answers: what the
Screening action opens (a draft to finish, the core screen, or a choice of instruments),
which instruments the finished screenings suggest next, whether one may be started for this
person's age, and what opening a listed screening shows. The case page only renders the step
it is given; ``tests/clinical/test_screening_controller.py`` drives it with plain data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ld_desktop.domain.instruments.definition import InstrumentDefinition
from ld_desktop.domain.instruments.flow import FlowError
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.services.clinical.screenings import CORE_SCREEN, ScreeningView
from ld_desktop.services.clinical.skipped_suggestions import SkippedSuggestionView
from ld_desktop.services.instrument_library import InstrumentLibrary
from ld_desktop.services.session import UserSession


@dataclass(frozen=True)
class ResumeDraft:
    """Open the wizard on this draft."""

    screening: ScreeningView


@dataclass(frozen=True)
class StartInstrument:
    """Start this instrument now (the core screen comes first)."""

    instrument_id: str


@dataclass(frozen=True)
class ChooseInstrument:
    """Let the practitioner choose: what suits the person's age, suggested ones marked."""

    offered: list[InstrumentDefinition]
    suggested: list[str]
    problems: list[str]


@dataclass(frozen=True)
class ShowResult:
    """Show this finished screening's result."""

    screening: ScreeningView


ScreeningStep = ResumeDraft | StartInstrument | ChooseInstrument
OpenStep = ResumeDraft | ShowResult


class ScreeningController:
    def __init__(self, library: InstrumentLibrary, age: int | None,
                 screenings: list[ScreeningView],
                 skipped: list[SkippedSuggestionView]) -> None:
        self.library = library
        self.age = age
        self.screenings = list(screenings)
        self.skipped = list(skipped)

    @classmethod
    def load(cls, session: UserSession, case_id: uuid.UUID,
             age: int | None) -> ScreeningController:
        screenings = session.screenings
        return cls(screenings.library(), age, screenings.for_case(case_id),
                   screenings.skipped(case_id))

    # ------------------------------------------------------------------ the Screening action
    def next_step(self) -> ScreeningStep:
        """A draft is finished before anything new; the core screen comes first."""
        drafts = [s for s in self.screenings if s.state == ScreeningState.DRAFT]
        if drafts:
            return ResumeDraft(drafts[-1])
        if CORE_SCREEN not in {s.instrument_id for s in self.screenings}:
            return StartInstrument(CORE_SCREEN)
        return ChooseInstrument(self.library.offered_for(self.age), self.suggested_ids(),
                                list(self.library.problems))

    # ------------------------------------------------------------------ suggestions
    def suggested_ids(self) -> list[str]:
        """Instruments the finished screenings suggest, in the order they were suggested."""
        found: list[str] = []
        for s in self.screenings:
            if s.state in ScreeningState.finished():
                for i in [*s.result.get("follow_ups", []),
                          *s.result.get("suggested_instruments", [])]:
                    if isinstance(i, str) and i not in found:
                        found.append(i)
        return found

    def skipped_ids(self) -> set[str]:
        return {s.instrument_id for s in self.skipped}

    def next_instruments(self) -> list[InstrumentDefinition]:
        """Suggested, suitable for the person's age (adult-only instruments are never
        suggested to a 10-17 year old), not yet used on this case and not skipped."""
        used = {s.instrument_id for s in self.screenings}
        skipped = self.skipped_ids()
        offered = {d.id: d for d in self.library.offered_for(self.age)}
        return [offered[i] for i in self.suggested_ids()
                if i in offered and i not in used and i not in skipped]

    # ------------------------------------------------------------------ starting, opening
    def check_start(self, instrument_id: str) -> InstrumentDefinition:
        """The definition to start; ``FlowError`` if it does not suit this person's age,
        ``KeyError`` (``UnknownInstrument``) if there is no such instrument."""
        definition = self.library.get(instrument_id)
        if not definition.suitable_for(self.age):
            raise FlowError(f"{definition.short_title} is not for someone aged {self.age}.")
        return definition

    def open(self, screening_id: uuid.UUID) -> OpenStep | None:
        """What opening a listed screening shows; None if it is no longer on the case."""
        for view in self.screenings:
            if view.id == screening_id:
                return ResumeDraft(view) if view.state == ScreeningState.DRAFT \
                    else ShowResult(view)
        return None

    def superseded(self) -> set[uuid.UUID]:
        """Screenings replaced by a later amendment."""
        return {s.amends_id for s in self.screenings if s.amends_id is not None}
