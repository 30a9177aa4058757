"""A re-key's progress report runs nothing else meanwhile.

QProgressDialog.setValue on a modal dialog that has been shown calls processEvents(): any
event waiting then ran inside the report, among them the deferred deletion of the locked
window's pages, which deleted the dialog under its own setValue (a segfault in
tests/ui/test_admin_keys.py under load, 30/11)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from ld_desktop.ui.pages.key_rotation import RekeyDialog


def test_a_progress_report_runs_no_other_event(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog = RekeyDialog(parent, "Rotating the keys")
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog._show_progress(10, "Checking the database")   # the first report (as run() does)
    ran: list[str] = []
    QTimer.singleShot(0, lambda: ran.append("waiting event"))   # e.g. a page's deletion
    dialog._show_progress(40, "Re-encrypting the database")
    assert ran == []                        # not run inside the report
    assert dialog.value() == 40
    assert "Re-encrypting the database" in dialog.labelText()
    qtbot.waitUntil(lambda: ran == ["waiting event"], timeout=3_000)   # but run afterwards
    dialog.close()
