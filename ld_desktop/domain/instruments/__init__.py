"""Screening instruments: data-driven definitions, skip logic, scoring, bands, flags and a
UI-neutral flow. Pure Python: definitions arrive as already-loaded JSON data."""

from ld_desktop.domain.instruments.definition import (
    DefinitionError,
    InstrumentDefinition,
    parse_definition,
)
from ld_desktop.domain.instruments.flow import ScreeningFlow
from ld_desktop.domain.instruments.scoring import InvalidAnswer, ScreeningResult, evaluate

__all__ = [
    "DefinitionError", "InstrumentDefinition", "InvalidAnswer", "ScreeningFlow",
    "ScreeningResult", "evaluate", "parse_definition",
]
