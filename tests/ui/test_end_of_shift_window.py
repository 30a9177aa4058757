"""End of shift in the main window: conflicts waiting counted in the status bar (and gone once
decided), who is on now and next on the caseload and the handover (kept up to date as the
rota changes), and the handover summary opening a case from the keyboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ld_desktop.services import demo_scenarios
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.handover.handover_page import HandoverPage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.case_lists import CaseloadPage
from ld_desktop.ui.pages.conflicts_page import ConflictsPage


@pytest.fixture
def senior_window(qtbot, demo_dir: Path, accounts):  # type: ignore[no-untyped-def]
    window = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(window)
    window.unlock_page.username.setCurrentText("demo.senior")
    window.unlock_page.passphrase.setText(accounts["demo.senior"])
    qtbot.mouseClick(window.unlock_page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)
    yield window
    window.lock("test finished")


def test_status_bar_counts_conflicts_until_decided(qtbot, senior_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = senior_window
    assert window.session is not None
    assert "to decide" not in window.status_sync.text()
    demo_scenarios.conflict_scene(window.session)      # a clash arrives from the server
    qtbot.waitUntil(lambda: "1 conflict(s) to decide" in window.status_sync.text(),
                    timeout=5_000)                  # read off the GUI thread
    handover = window.page("Handover")
    assert isinstance(handover, HandoverPage)
    assert handover.panel is not None
    panel = handover.panel                                # the summary is read off-thread
    qtbot.waitUntil(lambda: "conflicts waiting for a decision: 1" in panel.waiting.text(),
                    timeout=5_000)
    conflicts = window.page("Conflicts")
    assert isinstance(conflicts, ConflictsPage)
    qtbot.waitUntil(lambda: conflicts.list.count() == 1, timeout=5_000)   # loaded off-thread
    conflicts.list.setCurrentRow(0)
    conflicts.choices.buttons()[0].setChecked(True)
    conflicts.reason.setText("Checked with both practitioners")
    conflicts.decide()
    qtbot.waitUntil(lambda: "to decide" not in window.status_sync.text(), timeout=5_000)
    qtbot.waitUntil(lambda: "conflicts waiting for a decision: 0" in panel.waiting.text(),
                    timeout=5_000)


def test_who_is_on_now_follows_the_rota(qtbot, senior_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = senior_window
    session = window.session
    assert session is not None
    caseload = window.page("Caseload")
    assert isinstance(caseload, CaseloadPage)
    qtbot.waitUntil(lambda: caseload.staffing.text().startswith("On now: ")
                    and "…" not in caseload.staffing.text(), timeout=5_000)   # rota read
    assert "cover.test" not in caseload.staffing.text()
    # a shift covering this moment (from an hour ago, so it may start yesterday evening)
    began = datetime.now() - timedelta(hours=1)
    until = began + timedelta(hours=3)
    session.rota.assign(session.site_ids[0], began.date(), f"{began:%H:%M}",
                        f"{until:%H:%M}", "cover.test")
    qtbot.waitUntil(lambda: "cover.test" in caseload.staffing.text().split(" · Next: ")[0],
                    timeout=5_000)                   # refreshed by the rota change
    handover = window.page("Handover")
    assert isinstance(handover, HandoverPage)
    qtbot.waitUntil(lambda: "cover.test" in handover.staffing.text().split(" · Next: ")[0],
                    timeout=5_000)


def test_enter_on_a_handover_item_opens_its_case(qtbot, senior_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = senior_window
    assert window.session is not None
    case_id = demo_scenarios.busy_case_scene(window.session)   # a high risk among others
    handover = window.page("Handover")
    assert isinstance(handover, HandoverPage)
    assert handover.panel is not None
    qtbot.waitUntil(lambda: handover.panel is not None and handover.panel.summary is not None,
                    timeout=5_000)                     # read off-thread
    tree = handover.panel.tree
    risks = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                 if tree.topLevelItem(i).text(0).startswith("High risks"))
    item = next(risks.child(i) for i in range(risks.childCount())
                if risks.child(i).data(0, Qt.ItemDataRole.UserRole) == str(case_id))
    tree.setFocus()
    tree.setCurrentItem(item)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    opened = window.pages.currentWidget()
    assert isinstance(opened, CasePage)
    assert opened.case_id == case_id
