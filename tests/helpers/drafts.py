"""Forms that keep drafts read the saved draft in the background: their fields are read-only
and Save is off until it is back. A test that types or saves straight after opening one
waits for that first, as a person waits for the form to settle."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from ld_desktop.ui.clinical.form_dialog import FormDialog


def drafts_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every open form's saved draft is back (its fields can be typed in)."""
    qtbot.waitUntil(lambda: all(
        getattr(w, "draft_loaded", True) for w in QApplication.topLevelWidgets()
        if isinstance(w, FormDialog) and w.isVisible()), timeout=5_000)
