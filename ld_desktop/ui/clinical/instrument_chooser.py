"""Choose an instrument to add to the screening: suggested ones first, only those suitable
for the person's age (youth variants for 10-17s)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

from ld_desktop.domain.instruments.definition import InstrumentDefinition
from ld_desktop.ui.clinical.form_dialog import FormDialog


class InstrumentChooser(FormDialog):
    def __init__(self, offered: list[InstrumentDefinition], suggested: list[str],
                 parent: QWidget | None = None, problems: list[str] | None = None) -> None:
        super().__init__("Add an instrument", parent, "Start")
        self.listing = QListWidget()
        ordered = sorted(offered, key=lambda d: (d.id not in suggested, d.short_title))
        for definition in ordered:
            note = "  (suggested by the screen so far)" if definition.id in suggested else ""
            item = QListWidgetItem(f"{definition.short_title}: {definition.title}{note}")
            item.setData(Qt.ItemDataRole.UserRole, definition.id)
            self.listing.addItem(item)
        self.listing.setCurrentRow(0)
        self.listing.itemActivated.connect(lambda _i: self.accept())
        self.add_row("&Instrument", self.listing)
        for problem in problems or []:    # an imported definition that no longer loads
            unused = QLabel(f"Not offered: {problem}")
            unused.setWordWrap(True)
            unused.setObjectName("subtitle")
            self.form.addRow(unused)
        if not ordered:
            self.show_error("No instruments are suitable for this person's age.")

    def submit(self) -> Any:
        item = self.listing.currentItem()
        if item is None:
            raise ValueError("Choose an instrument.")
        return str(item.data(Qt.ItemDataRole.UserRole))
