"""Stage a page of the demo store for ``ld-desktop --demo --screenshot PATH --page NAME``."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QDialog

from ld_desktop.services import demo_scenarios
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.records.screenshot_scenes import RECORD_PAGES, stage_record_page
from ld_desktop.ui.reports.reports_page import ReportsPage

NAV_PAGES = {"caseload": "Caseload", "cases": "Cases", "people": "People", "sync": "Sync",
             "handover": "Handover", "conflicts": "Conflicts", "rota": "Rota",
             "reports": "Reports"}


def stage(window: MainWindow, session: UserSession, page: str) -> None:
    if page == "handover":
        demo_scenarios.busy_case_scene(session)   # a high risk, an escalation, a referral
    if page in ("handover", "conflicts"):
        demo_scenarios.conflict_scene(session)
    if page == "reports":
        demo_scenarios.busy_case_scene(session)   # an escalation and an onward referral
    if page in NAV_PAGES:
        window.show_page(NAV_PAGES[page])
        return
    if page == "reports-quality":                 # the Reports place's data-quality tab
        window.show_page("Reports")
        reports = window.pages.currentWidget()
        if isinstance(reports, ReportsPage):
            reports.tabs.setCurrentWidget(reports.quality)
        return
    if page == "person":
        window.open_person(session.cases.caseload()[0].person_id)
    elif page in RECORD_PAGES:
        stage_record_page(window, session, page)
    elif page == "case":
        window.open_case(demo_scenarios.busy_case_scene(session))
    elif page == "screening":
        window.open_case(demo_scenarios.screening_scene(session))
        case_page = window.pages.currentWidget()
        if isinstance(case_page, CasePage):
            case_page.screening()
    elif page == "intake":
        _intake_scene(window, session)
    elif page == "share":
        window.open_case(demo_scenarios.share_scene(session))
        case_page = window.pages.currentWidget()
        if isinstance(case_page, CasePage):
            case_page.share()


def _intake_scene(window: MainWindow, session: UserSession) -> None:
    """A returning person found and chosen at intake (Find, then Enter on the result)."""
    from ld_desktop.ui.new_referral import NewReferralDialog

    person = session.cases.open(demo_scenarios.busy_case_scene(session), audit=False).person
    window.new_referral()
    dialog = window.findChild(NewReferralDialog)
    if dialog is None:
        return
    dialog.finder.setText(person.family_name)
    dialog.search_now()
    dialog.choose(person)
    dialog.reason.setText("Custody sergeant: low mood, said he had nowhere to go")
    dialog.crn.setText("NG/0421/26")


def grab_with_dialogs(window: MainWindow) -> QPixmap:
    """The window with any open dialog drawn where it sits (a grab shows one widget only)."""
    picture = window.grab()
    painter = QPainter(picture)
    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            image = dialog.grab()
            at = QPoint((picture.width() - image.width()) // 2,
                        (picture.height() - image.height()) // 2)
            painter.drawPixmap(at, image)
    painter.end()
    return picture
