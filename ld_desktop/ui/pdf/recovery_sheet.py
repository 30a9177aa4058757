"""The recovery sheet: printed at first run (or saved as a PDF readable by its owner only).

The sheet carries the code that opens the whole store, so it is never copied to the clipboard
and a saved PDF is written 0600 with a reminder to delete it once printed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from ld_desktop.ui.pdf.writer import STYLE, esc, facts_table, write_pdf

TITLE = "L&D Desktop: recovery sheet"


def recovery_sheet_html(rows: Sequence[tuple[str, str]]) -> str:
    return (f"<h1>{esc(TITLE)}</h1>"
            "<p class='warning'>OFFICIAL-SENSITIVE. Whoever holds this code can open every "
            "record on this workstation.</p>" + facts_table(rows)
            + "<p class='footer'>Seal it in an envelope signed across the flap and give it to "
              "the service lead. Destroy it if the store is retired.</p>")


def save_recovery_sheet(rows: Sequence[tuple[str, str]], path: str | os.PathLike[str]) -> Path:
    """Write the sheet as an A4 PDF readable by its owner only; returns the path."""
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        target = target.with_suffix(".pdf")
    old_mask = os.umask(0o077)
    try:
        write_pdf(recovery_sheet_html(rows), target, TITLE)
    finally:
        os.umask(old_mask)
    target.chmod(0o600)
    return target


def print_recovery_sheet(parent: QWidget, rows: Sequence[tuple[str, str]]) -> bool:
    """Show the system print dialog and print the sheet; False when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print the recovery sheet")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    document = QTextDocument()
    document.setDefaultFont(QFont("DejaVu Sans", 10))
    document.setDefaultStyleSheet(STYLE)
    document.setHtml(f"<html><body>{recovery_sheet_html(rows)}</body></html>")
    document.print_(printer)
    return True
