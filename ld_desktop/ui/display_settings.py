"""Display preferences for this workstation: high contrast and text size. They hold no
personal data, so they live in a small INI file beside the store (``display.ini``), apply at
once, and are kept for whoever uses the workstation next."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from ld_desktop.ui.theme import apply_theme

FILE = "display.ini"
SCALES = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)


@dataclass(frozen=True)
class DisplayPrefs:
    high_contrast: bool = False
    font_scale: float = 1.0

    def larger(self) -> DisplayPrefs:
        bigger = [s for s in SCALES if s > self.font_scale + 1e-6]
        return replace(self, font_scale=bigger[0] if bigger else SCALES[-1])

    def smaller(self) -> DisplayPrefs:
        less = [s for s in SCALES if s < self.font_scale - 1e-6]
        return replace(self, font_scale=less[-1] if less else SCALES[0])


def load_prefs(data_dir: Path) -> DisplayPrefs:
    settings = QSettings(str(data_dir / FILE), QSettings.Format.IniFormat)
    contrast = str(settings.value("high_contrast", "false")).lower() == "true"
    try:
        scale = float(str(settings.value("font_scale", 1.0)))
    except ValueError:
        scale = 1.0
    return DisplayPrefs(contrast, min(max(scale, SCALES[0]), SCALES[-1]))


def save_prefs(data_dir: Path, prefs: DisplayPrefs) -> None:
    settings = QSettings(str(data_dir / FILE), QSettings.Format.IniFormat)
    settings.setValue("high_contrast", "true" if prefs.high_contrast else "false")
    settings.setValue("font_scale", prefs.font_scale)
    settings.sync()


class DisplayMenu(QObject):
    """The View menu: High contrast (Ctrl+Shift+H), Larger text (Ctrl+=), Smaller text
    (Ctrl+-), Normal text size (Ctrl+0)."""

    def __init__(self, menu: QMenu, data_dir: Path, prefs: DisplayPrefs) -> None:
        super().__init__(menu)
        self._dir = data_dir
        self.prefs = prefs
        self.contrast = QAction("&High contrast", menu)
        self.contrast.setCheckable(True)
        self.contrast.setChecked(prefs.high_contrast)
        self.contrast.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.contrast.toggled.connect(
            lambda on: self.apply(replace(self.prefs, high_contrast=on)))
        menu.addAction(self.contrast)
        menu.addSeparator()
        for text, keys, change in (
            ("&Larger text", "Ctrl+=", lambda: self.prefs.larger()),
            ("&Smaller text", "Ctrl+-", lambda: self.prefs.smaller()),
            ("&Normal text size", "Ctrl+0", lambda: replace(self.prefs, font_scale=1.0)),
        ):
            action = QAction(text, menu)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _=False, c=change: self.apply(c()))
            menu.addAction(action)

    def apply(self, prefs: DisplayPrefs) -> None:
        self.prefs = prefs
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, high_contrast=prefs.high_contrast, font_scale=prefs.font_scale)
        save_prefs(self._dir, prefs)
