"""Every interactive widget a practitioner reaches by keyboard has a name a screen reader can
say: an accessible name, a button's own text, or a label that is its buddy."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from ld_desktop.services.workstation import Workstation
from ld_desktop.ui import operations
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.new_referral import NewReferralDialog
from tests.helpers.case_page import case_settled

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit,
               QTextEdit, QAbstractItemView)


def unnamed(root: QWidget) -> list[str]:
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy()}
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), (QComboBox,
                                                                          QAbstractSpinBox)):
            continue                                   # the editor inside a combo or spin box
        if widget.window() is not root.window() or widget.objectName().startswith("qt_"):
            continue                                   # a combo's pop-up list, Qt's own parts
        name = widget.accessibleName() or (
            widget.text().replace("&", "") if isinstance(widget, QAbstractButton) else "")
        if not name.strip() and id(widget) not in buddies:
            missing.append(f"{type(widget).__name__} in {type(widget.window()).__name__}")
    return missing


def test_every_page_names_its_controls(qtbot, demo_dir: Path, accounts) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Workstation(demo_dir))
    qtbot.addWidget(window)
    assert unnamed(window.unlock_page) == []
    session = Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"])
    window.start_session(session)
    try:
        for place in window.place_names:
            page = window.page(place)
            # the page's background loads have reported back: its rows and labels are built
            qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)
            assert unnamed(page) == [], place
        case_id = session.cases.caseload()[0].id
        window.open_case(case_id)
        case_page = window.pages.currentWidget()
        assert isinstance(case_page, CasePage)
        case_settled(qtbot, case_page)
        assert unnamed(case_page) == []
        for action in ("consent", "risk", "escalate", "refer", "support", "note", "outcome"):
            getattr(case_page, action)()
            dialog = case_page.dialog
            assert dialog is not None
            assert unnamed(dialog) == [], action
            dialog.reject()
        referral = NewReferralDialog(session)
        qtbot.addWidget(referral)
        assert unnamed(referral) == []
    finally:
        window.lock("test finished")


def test_the_check_catches_an_unnamed_control(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFormLayout, QPushButton

    root = QWidget()
    qtbot.addWidget(root)
    form = QFormLayout(root)
    bare = QLineEdit()
    form.addWidget(bare)
    form.addRow("&Named by its label", QLineEdit())
    form.addWidget(QPushButton("Text is a name"))
    assert unnamed(root) == ["QLineEdit in QWidget"]
    bare.setAccessibleName("Now named")
    assert unnamed(root) == []
