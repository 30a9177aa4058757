"""Stage a page of the demo store for ``ld-desktop --demo --screenshot PATH --page NAME``:
a place of the navigation by its registered stage name (``ui/places.py``), or one of the
scenes below inside a record. ``python -m ld_desktop.ui.screenshot_stage`` lists the names
(``make screenshots`` renders each)."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QDialog

from ld_desktop.services import demo_scenarios
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.places import PLACES, place_for_stage
from ld_desktop.ui.records.screenshot_scenes import RECORD_PAGES, stage_record_page

SCENES = ("person", "case", "screening", "share", "intake", *RECORD_PAGES)


def stages() -> list[str]:
    """Every name ``--page`` accepts: the places' stages, then the scenes."""
    return [stage for place in PLACES for stage in place.stages()] + list(SCENES)


def stage(window: MainWindow, session: UserSession, page: str) -> None:
    place = place_for_stage(page)   # a place of the navigation (the registry says which)
    if place is not None:
        if place.scene is not None:
            place.scene(session)
        shown = window.page(place.name)
        for name, show in place.views:   # a tab of the place
            if name == page:
                show(shown)
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
            case_page.when_loaded(case_page.screening)   # the case loads in the background
    elif page == "intake":
        _intake_scene(window, session)
    elif page == "share":
        window.open_case(demo_scenarios.share_scene(session))
        case_page = window.pages.currentWidget()
        if isinstance(case_page, CasePage):
            case_page.when_loaded(case_page.share)   # the case loads in the background


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


if __name__ == "__main__":
    print("\n".join(stages()))
