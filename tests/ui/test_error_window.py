"""An exception nobody caught (here: in a slot) is logged without personal data and shown
in a calm window (issue 18)."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from ld_desktop.ui.error_window import ErrorWindow


class _Emitter(QObject):
    fired = Signal()


@pytest.mark.qt_no_exception_capture
def test_an_uncaught_error_in_a_slot_is_logged_and_shown(qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    hook = ErrorWindow().install()
    try:
        emitter = _Emitter()

        def broken_slot() -> None:
            raise ValueError("QUINN, Testperson 943 476 5919")   # a message with personal data

        emitter.fired.connect(broken_slot)
        with caplog.at_level(logging.ERROR, logger="ld_desktop.ui.error_window"):
            emitter.fired.emit()
        qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible()
                                    for w in QApplication.topLevelWidgets()))
    finally:
        hook.uninstall()
    logged = caplog.text
    assert "ValueError" in logged
    assert "broken_slot" in logged                       # where it happened
    assert "QUINN" not in logged                          # never the message
    assert "476 5919" not in logged
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible())
    assert "Anything you had saved is safe" in box.text()
    assert "QUINN" not in box.text() + box.detailedText()
    box.close()


def test_the_previous_hook_comes_back() -> None:
    import sys

    before = sys.excepthook
    hook = ErrorWindow().install()
    assert sys.excepthook == hook.handle
    hook.uninstall()
    assert sys.excepthook is before
