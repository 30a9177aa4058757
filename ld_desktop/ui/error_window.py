"""The last line of defence (Anki's `aqt/errors.py` idea): an exception nobody caught, in a
slot, a callback or a timer, is logged and shown in a calm window, never lost silently and
never a crash.

The log gets the exception's type and where it happened (file, line, function), never its
message: a message can carry a name or an NHS number. The window says nothing was lost that
had been saved, and offers the same locations for a bug report.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger(__name__)

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def where(tb: TracebackType | None) -> str:
    """The traceback as locations only: 'file:line in function', innermost last."""
    return "\n".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"
                     for frame in traceback.extract_tb(tb))


class ErrorWindow:
    """Installed once by `app.py`; `uninstall()` puts the previous hook back (tests)."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None) -> None:
        self._parent = parent
        self._previous: Hook = sys.excepthook
        self._showing = False
        self.shown: list[str] = []        # what each window said (for tests and the log)
        self._open: list[QMessageBox] = []

    def install(self) -> ErrorWindow:
        sys.excepthook = self.handle
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous

    def handle(self, kind: type[BaseException], error: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, error, tb)
            return
        locations = where(tb)
        log.error("unexpected %s\n%s", kind.__name__, locations)
        if QApplication.instance() is None or self._showing:
            return   # no window to show it in, or a failure while showing one
        summary = (f"Something went wrong ({kind.__name__}). Anything you had saved is safe; "
                   "what you were doing may not have finished, so check it and try again. "
                   "The problem has been recorded without any personal details.")
        self.shown.append(summary)
        # Show it from the event loop, not from inside the failing slot.
        QTimer.singleShot(0, lambda: self._show(summary, locations))

    def _show(self, summary: str, locations: str) -> None:
        self._showing = True
        try:
            box = QMessageBox(self._parent())
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("L&D Desktop: something went wrong")
            box.setText(summary)
            box.setDetailedText(locations)
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            self._open.append(box)
            box.finished.connect(lambda _result: self._open.remove(box))
            box.open()
        finally:
            self._showing = False
