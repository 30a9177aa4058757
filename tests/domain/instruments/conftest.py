"""The shipped instrument library, loaded once."""

from __future__ import annotations

import pytest

from ld_desktop.services.instrument_library import InstrumentLibrary


@pytest.fixture(scope="session")
def library() -> InstrumentLibrary:
    return InstrumentLibrary.load()
