"""Screenshot stages for the person page, its correction dialog and a merge in progress."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QTimer

from ld_desktop.services.demo_record_scenes import returning_person_scene
from ld_desktop.services.session import UserSession
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.record_views import PersonPage
from ld_desktop.ui.records.merge_dialogs import MergeDialog

RECORD_PAGES = ("person-history", "person-edit", "merge")


def _wait_for(ready: Callable[[], bool]) -> None:
    for _ in range(200):   # read in the background: wait for it (at most 10 s)
        if ready():
            return
        settle = QEventLoop()
        QTimer.singleShot(50, settle.quit)
        settle.exec()


def stage_record_page(window: MainWindow, session: UserSession, page: str) -> None:
    scene = returning_person_scene(session)
    window.open_person(scene.person_id)
    person_page = window.pages.currentWidget()
    if not isinstance(person_page, PersonPage):
        return
    _wait_for(lambda: person_page.person is not None)
    if page == "person-edit":
        person_page.edit()
    elif page == "merge":
        person_page.merge()
        dialog = person_page.dialog
        if isinstance(dialog, MergeDialog):
            dialog.picker.search.setText("Quin")
            dialog.picker.search_now()
            _wait_for(lambda: not dialog.picker.searching())
            dialog.picker.results.setCurrentRow(0)
            for row, found in enumerate(dialog.picker._found):
                if found.id == scene.duplicate_id:
                    dialog.picker.results.setCurrentRow(row)
                    dialog.picker.results.itemActivated.emit(dialog.picker.results.item(row))
            dialog.reason.setPlainText("Same date of birth and address; custody photo matches "
                                       "(fictional)")
