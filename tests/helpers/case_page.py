"""Waiting for the case page, which loads in the background: "Loading the case…" until its
first (audited) load lands, and a reload after each of its own actions. Tests wait here
(with ``qtbot.waitUntil``, never a sleep); ``tests/ui/conftest.py`` offers them as the
``open_case``, ``case_settled`` and ``wizard_of`` fixtures."""

from __future__ import annotations

import uuid

from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.screening_wizard import ScreeningWizard
from ld_desktop.ui.main_window import MainWindow

TIMEOUT_MS = 5_000


def case_settled(qtbot, page: CasePage, timeout: int = TIMEOUT_MS) -> CasePage:  # type: ignore[no-untyped-def]
    """The page once its load (the first, or the reload after an action) has landed."""
    qtbot.waitUntil(lambda: page.loaded and not page.is_loading(), timeout=timeout)
    return page


def open_case(qtbot, window: MainWindow, case_id: uuid.UUID) -> CasePage:  # type: ignore[no-untyped-def]
    """The case opened in ``window``, loaded."""
    window.open_case(case_id)
    page = window.pages.currentWidget()
    assert isinstance(page, CasePage)
    return case_settled(qtbot, page)


def wizard_of(qtbot, page: CasePage) -> ScreeningWizard:  # type: ignore[no-untyped-def]
    """The screening wizard once it is open (starting a screening stores its draft in the
    background first)."""
    qtbot.waitUntil(lambda: page.wizard is not None, timeout=TIMEOUT_MS)
    assert page.wizard is not None
    return page.wizard
