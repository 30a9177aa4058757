"""The look: calm, readable, NHS-blue accents; a high-contrast option; font scaling."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from ld_desktop.resources import resource_path

NHS_BLUE = "#005eb8"
#: a field that cannot be typed in: grey, with a dashed edge (read-only fields keep the
#: enabled look: here they are read-only only while a draft loads, or are previews to read)
DISABLED_BACKGROUND, DISABLED_TEXT = "#e8edee", "#4c6272"
HC_DISABLED_BACKGROUND, HC_DISABLED_TEXT = "#333333", "#c8c8c8"
STANDARD = f"""
QWidget {{ color: #212b32; }}
QMainWindow, QWidget#page {{ background: #f0f4f5; }}
QListWidget#nav {{ background: #ffffff; border: none; font-size: {{nav}}pt; padding-top: 8px; }}
QListWidget#nav::item {{ padding: 10px 16px; }}
QListWidget#nav {{ outline: 0; }}
QListWidget#nav::item:selected {{ background: {NHS_BLUE}; color: white; }}
QListWidget#nav::item:focus {{ border-left: 4px solid {NHS_BLUE}; padding-left: 12px; }}
QListWidget#nav::item:selected:focus {{ border-left: 4px solid #ffeb3b; }}
QLabel#title {{ font-size: {{title}}pt; font-weight: bold; color: {NHS_BLUE}; }}
QLabel#question {{ font-size: {{question}}pt; }}
QLabel#section {{ font-weight: bold; color: #4c6272; }}
QLabel#score {{ font-size: {{question}}pt; font-weight: bold; }}
QLabel#subtitle {{ color: #4c6272; }}
QLabel#referring {{ font-size: {{question}}pt; font-weight: bold; color: {NHS_BLUE}; }}
QFrame#referringBox {{ background: #ffffff; border: 2px solid {NHS_BLUE}; }}
QLabel#error {{ color: #d5281b; font-weight: bold; }}
QLabel#banner {{ background: #ffeb3b; color: #212b32; font-weight: bold; padding: 4px; }}
QLabel#training-banner {{ background: #d5281b; color: #ffffff; font-weight: bold; padding: 6px; }}
QLabel#flag {{ background: #fff9c4; border-radius: 3px; padding: 1px 4px; }}
QPushButton {{ background: {NHS_BLUE}; color: white; border: none; padding: 6px 14px;
              border-radius: 3px; }}
QPushButton:disabled {{ background: #d8dde0; color: #4c6272; }}
QPushButton:focus {{ border: 3px solid #ffeb3b; padding: 3px 11px; }}
QLineEdit, QComboBox, QPlainTextEdit, QTextEdit, QAbstractSpinBox {{ background: white;
              padding: 4px; border: 1px solid #768692; }}
QLineEdit:disabled, QComboBox:disabled, QPlainTextEdit:disabled, QTextEdit:disabled,
QAbstractSpinBox:disabled {{ background: {DISABLED_BACKGROUND}; color: {DISABLED_TEXT};
              border: 1px dashed #768692; }}
QTableView {{ background: white; alternate-background-color: #f8fafb;
             selection-background-color: {NHS_BLUE}; }}
QHeaderView::section {{ background: #e8edee; padding: 4px; border: none; font-weight: bold; }}
""" + """
QComboBox::drop-down, QDateTimeEdit::drop-down { subcontrol-origin: padding;
              subcontrol-position: center right; width: 22px; border: none;
              border-left: 1px solid #768692; }
QAbstractSpinBox::up-button { subcontrol-origin: border; subcontrol-position: top right;
              width: 20px; border: none; border-left: 1px solid #768692; }
QAbstractSpinBox::down-button { subcontrol-origin: border; subcontrol-position: bottom right;
              width: 20px; border: none; border-left: 1px solid #768692; }
QComboBox::down-arrow, QAbstractSpinBox::down-arrow { image: url("{icons}/arrow-down-dark.svg");
              width: 10px; height: 6px; }
QAbstractSpinBox::up-arrow { image: url("{icons}/arrow-up-dark.svg"); width: 10px; height: 6px; }
"""
HIGH_CONTRAST = """
QWidget { color: #ffffff; background: #000000; }
QLabel#title { font-size: {title}pt; font-weight: bold; }
QLabel#question, QLabel#score { font-size: {question}pt; font-weight: bold; }
QListWidget#nav::item:selected, QPushButton { background: #ffff00; color: #000000; }
QListWidget#nav { outline: 0; }
QListWidget#nav::item { padding-left: 4px; }
QListWidget#nav::item:focus { border-left: 4px solid #ffff00; padding-left: 0px; }
QListWidget#nav::item:selected:focus { border-left: 4px solid #000000; }
QLineEdit, QComboBox, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QTableView {
              background: #000000; color: #ffffff; border: 2px solid #ffffff; }
""" + f"""
QLineEdit:disabled, QComboBox:disabled, QPlainTextEdit:disabled, QTextEdit:disabled,
QAbstractSpinBox:disabled {{ background: {HC_DISABLED_BACKGROUND}; color: {HC_DISABLED_TEXT};
              border: 2px dashed {HC_DISABLED_TEXT}; }}
""" + """
QLabel#banner { background: #ffff00; color: #000000; }
QLabel#training-banner { background: #ffff00; color: #000000; border: 3px solid #000000; }
QLabel#error { color: #ff8080; }
QLabel#referring { font-size: {question}pt; font-weight: bold; }
QFrame#referringBox { border: 2px solid #ffffff; }
QComboBox::drop-down, QDateTimeEdit::drop-down { subcontrol-origin: padding;
              subcontrol-position: center right; width: 22px; border: none;
              border-left: 2px solid #ffffff; }
QAbstractSpinBox::up-button { subcontrol-origin: border; subcontrol-position: top right;
              width: 20px; border: none; border-left: 2px solid #ffffff; }
QAbstractSpinBox::down-button { subcontrol-origin: border; subcontrol-position: bottom right;
              width: 20px; border: none; border-left: 2px solid #ffffff; }
QComboBox::down-arrow, QAbstractSpinBox::down-arrow { image: url("{icons}/arrow-down-light.svg");
              width: 10px; height: 6px; }
QAbstractSpinBox::up-arrow { image: url("{icons}/arrow-up-light.svg"); width: 10px; height: 6px; }
"""
#: sizes in the style sheets (points at text size 1.0); they scale with the text size setting
SIZES = {"nav": 11, "title": 16, "question": 13}


def apply_theme(app: QApplication, *, high_contrast: bool = False, font_scale: float = 1.0
                ) -> None:
    font = QFont("DejaVu Sans")
    font.setPointSizeF(10 * font_scale)
    app.setFont(font)
    sheet = HIGH_CONTRAST if high_contrast else STANDARD
    for name, points in SIZES.items():
        sheet = sheet.replace(f"{{{name}}}", f"{points * font_scale:.1f}")
    # a combo box's or date's own button drawn by the style sheet, with our arrows: with a
    # border set on the box, Qt drew its button as a bevel and a date's arrows not at all
    sheet = sheet.replace("{icons}", resource_path("icons").as_posix())
    app.setStyleSheet(sheet)
