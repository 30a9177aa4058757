"""What a lock leaves behind: nothing. Every window and dialog of the application is closed
(innermost first), what was typed into it is kept as the user's draft, and the clipboard is
cleared if it holds text copied from the application.

Dialogs that keep their own drafts (``FormDialog.close_for_lock``) do so; any other dialog of
ours has the text of its fields kept under ``window:<class name>`` (fields named by their
accessible names, passphrase fields never kept), and ``restore_window_draft`` puts it back the
next time that dialog is opened. Works on any dialog, so a dialog needs no lock code of its
own: only a parent (so it belongs to the window that locks). Both run the store work off the
GUI thread: the draft kept at a lock is written on a worker that the lock waits for, and the
one put back is read by a background operation.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtGui import QClipboard
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from ld_desktop.ui.operations import Operation, SaveLatest, show_failure


class Drafts(Protocol):
    def save(self, key: str, content: dict[str, Any]) -> None: ...
    def load(self, key: str) -> dict[str, Any] | None: ...
    def discard(self, key: str) -> None: ...


def draft_key(window: QWidget) -> str:
    return f"window:{type(window).__name__}"


def _ours(widget: QWidget) -> bool:
    return type(widget).__module__.startswith("ld_desktop.")


def _text_fields(window: QWidget) -> dict[str, QLineEdit | QPlainTextEdit | QTextEdit]:
    fields: dict[str, QLineEdit | QPlainTextEdit | QTextEdit] = {}
    found: list[QLineEdit | QPlainTextEdit | QTextEdit] = [
        *window.findChildren(QLineEdit), *window.findChildren(QPlainTextEdit),
        *window.findChildren(QTextEdit)]
    for field in found:
        if isinstance(field, QLineEdit) and (
                field.echoMode() != QLineEdit.EchoMode.Normal or field.isReadOnly()):
            continue   # passphrases are never kept; read-only text is not the user's
        if isinstance(field, QPlainTextEdit | QTextEdit) and field.isReadOnly():
            continue
        name = field.accessibleName() or field.objectName()
        if name and name not in fields:
            fields[name] = field
    return fields


def _field_text(field: QLineEdit | QPlainTextEdit | QTextEdit) -> str:
    return field.text() if isinstance(field, QLineEdit) else field.toPlainText()


def keep_window_draft(window: QWidget, drafts: Drafts | None) -> None:
    """Keep what was typed into ``window`` as the user's draft (nothing if nothing typed).
    Called by the lock, before the key goes: the text is read here, written on a worker and
    waited for (``SaveLatest.settle``, as a form's own draft is), so the store is not used
    on the GUI thread and the draft is written before the key is dropped."""
    if drafts is None or not _ours(window):
        return
    content = {name: _field_text(f) for name, f in _text_fields(window).items()}
    if any(text.strip() for text in content.values()):
        key = draft_key(window)
        SaveLatest(window, lambda typed: drafts.save(key, typed),
                   doing="keeping your draft").settle(content)


def restore_window_draft(window: QWidget, drafts: Drafts) -> Operation:
    """Put back what a lock kept from this kind of window, read in the background (an
    operation owned by ``window``). Its text fields are read-only until the draft is back,
    as a form's are, so nothing typed meanwhile is written over; once the text is back in
    the form the kept draft is discarded (a later lock keeps it again)."""
    key = draft_key(window)
    fields = _text_fields(window)
    for field in fields.values():
        field.setReadOnly(True)

    def back(saved: dict[str, Any] | None) -> None:
        for name, field in fields.items():
            field.setReadOnly(False)
            text = (saved or {}).get(name)
            if isinstance(text, str) and text:
                if isinstance(field, QLineEdit):
                    field.setText(text)
                else:
                    field.setPlainText(text)
        if saved:
            Operation(window, lambda: drafts.discard(key), doing="reading your draft").run()

    def unreadable(exc: Exception) -> None:
        back(None)
        show_failure(window, exc, "reading your draft")

    return Operation(window, lambda: drafts.load(key), doing="reading your draft") \
        .success(back).failure(unreadable).run()


def _depth(widget: QWidget) -> int:
    depth = 0
    parent = widget.parentWidget()
    while parent is not None:
        depth += 1
        parent = parent.parentWidget()
    return depth


def close_windows_for_lock(keep: QWidget, drafts: Drafts | None) -> None:
    """Close every top-level window but ``keep``, innermost first, keeping drafts."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    # Another main window (only ever in tests) is not ours to close; everything else is.
    windows = [w for w in app.topLevelWidgets()
               if w is not keep and w.isVisible() and not isinstance(w, QMainWindow)]
    for window in sorted(windows, key=_depth, reverse=True):
        if not window.isVisible():   # closed with its parent already
            continue
        flush = getattr(window, "flush_drafts", None)
        if flush is not None:
            flush()
        close = getattr(window, "close_for_lock", None)
        if close is not None:
            close()
        elif isinstance(window, QDialog):
            keep_window_draft(window, drafts)
            window.reject()
        else:
            keep_window_draft(window, drafts)
            window.close()
        window.hide()


class ClipboardWatch:
    """Remembers text the application put on the clipboard, so a lock can clear it (and
    leave alone what someone copied from another program)."""

    def __init__(self, clipboard: QClipboard) -> None:
        self._clipboard = clipboard
        self._ours: str | None = None
        clipboard.dataChanged.connect(self._changed)

    def _changed(self) -> None:
        text = self._clipboard.text()
        # Copied here if one of our windows has the keyboard when the clipboard changes.
        if QApplication.focusWidget() is not None or self._clipboard.ownsClipboard():
            self._ours = text
        elif text != self._ours:
            self._ours = None

    def clear_if_ours(self) -> None:
        text = self._clipboard.text()
        if text and (self._clipboard.ownsClipboard() or text == self._ours):
            self._clipboard.clear()
            self._clipboard.clear(QClipboard.Mode.Selection)
        self._ours = None
