"""A dialog whose opening read runs in the background (an :class:`Operation` owned by the
dialog): until the read is back its fields and its action button are off and a calm line
says what is being loaded, with the keyboard on it; then they come on and the keyboard goes
to the first field.

A refusal (``services.errors.is_refusal``: a permission, a record gone) is said on that line
and the dialog stays off, so nothing can be saved over what was never read; any other
failure also gets the operations' default display. Closing the dialog or a lock drops the
read unseen, as for any operation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ld_desktop.services.errors import is_refusal
from ld_desktop.ui.operations import Operation, show_failure


def read_before_use(owner: QWidget, work: Callable[[], Any], arrived: Callable[[Any], None],
                    *, waiting: Sequence[QWidget], status: QLabel, loading: str,
                    doing: str) -> Operation:
    """Run ``work`` (plain values only, never a widget) with ``waiting`` off and ``status``
    saying ``loading``; once they are back on (the line cleared and hidden), ``arrived(result)``
fills them in (and may show the line again or turn a button back off)."""
    for widget in waiting:
        widget.setEnabled(False)
    status.setText(loading)
    status.show()
    # the keyboard waits on the line (a screen reader reads it): Enter there presses no
    # button, where on Cancel, which the dialog would otherwise focus, it closed the dialog
    status.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    status.setFocus()

    def back(value: Any) -> None:
        status.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        status.setText("")
        status.hide()
        for widget in waiting:
            widget.setEnabled(True)
        if waiting:
            waiting[0].setFocus()
        arrived(value)   # last: it may say something on the line or turn a button off

    def failed(exc: Exception) -> None:
        if is_refusal(exc):
            status.setText(str(exc))
        else:
            status.setText(f"{doing[:1].upper()}{doing[1:]} did not finish: close this and "
                           "try again.")
            show_failure(owner, exc, doing)

    return Operation(owner, work, doing=doing).success(back).failure(failed).run()
