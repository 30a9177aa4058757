"""Builds the main window's places and detail pages. Imported only once someone unlocks (or
ahead of time by a background preload), so the unlock window appears without loading every
page and the database layer behind them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.handover.handover_page import HandoverPage
from ld_desktop.ui.new_referral import NewReferralDialog
from ld_desktop.ui.pages.admin_page import AdminPage
from ld_desktop.ui.pages.case_lists import CaseloadPage, CasesPage
from ld_desktop.ui.pages.conflicts_page import ConflictsPage
from ld_desktop.ui.pages.people import PeoplePage
from ld_desktop.ui.pages.record_views import PersonPage
from ld_desktop.ui.pages.rota_page import RotaPage
from ld_desktop.ui.pages.screening_page import ScreeningPage
from ld_desktop.ui.pages.sync_page import SyncPage
from ld_desktop.ui.reports.reports_page import ReportsPage

LATER: dict[str, str] = {}
OpenRecord = Callable[[uuid.UUID], None]
#: places whose page opens cases (signal ``open_case``)
OPENS_CASES = {"Caseload": CaseloadPage, "Cases": CasesPage, "Handover": HandoverPage,
               "Screening": ScreeningPage, "Conflicts": ConflictsPage}
PLAIN = {"Sync": SyncPage, "Admin": AdminPage, "Rota": RotaPage}

__all__ = ["CasePage", "NewReferralDialog", "PersonPage", "make_page"]


def make_page(name: str, session: UserSession, open_case: OpenRecord,
              open_person: OpenRecord) -> QWidget:
    if name in OPENS_CASES:
        page: QWidget = OPENS_CASES[name](session)
        page.open_case.connect(open_case)  # type: ignore[attr-defined]
        return page
    if name == "People":
        people = PeoplePage(session)
        people.open_person.connect(open_person)
        return people
    if name == "Reports":
        reports = ReportsPage(session)
        reports.open_case.connect(open_case)
        reports.open_person.connect(open_person)
        return reports
    if name in PLAIN:
        plain: QWidget = PLAIN[name](session)
        return plain
    placeholder = QLabel(f"{LATER.get(name, name)} will appear here.")
    placeholder.setObjectName("subtitle")
    placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return placeholder
