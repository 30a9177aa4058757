"""Where files go: asked of the person with Qt's file dialogs (one place, so tests can
answer for them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def ask_save_path(parent: QWidget, caption: str, suggested: str, filter_text: str
                  ) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, str(Path.home() / suggested),
                                            filter_text)
    return Path(chosen) if chosen else None


def ask_folder(parent: QWidget, caption: str) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, caption, str(Path.home()))
    return Path(chosen) if chosen else None
