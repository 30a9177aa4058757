"""A case tab's list of records. Each row carries its record's kind and id in item data, so an
action on the selected row finds the record by id, never by a row offset into a list that
mixes kinds (risks then escalations, referrals then support actions), and a refresh keeps
the same record selected even when rows move."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

RECORD_ID = Qt.ItemDataRole.UserRole
RECORD_KIND = Qt.ItemDataRole.UserRole + 1
EMPTY = "Nothing recorded yet."


@dataclass(frozen=True)
class Row:
    kind: str            # the record's SyncedEntity, or "timeline" for a line with no record
    id: uuid.UUID | None
    text: str


@dataclass(frozen=True)
class RecordRef:
    kind: str
    id: uuid.UUID


class RecordList(QListWidget):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.setAccessibleName(name)
        self.setWordWrap(True)

    def fill(self, rows: list[Row]) -> None:
        """Show ``rows``, keeping the selected record selected (found by id) wherever it
        now is; nothing is selected if it has gone."""
        keep = self.current()
        self.blockSignals(True)
        try:
            self.clear()
            for row in rows:
                item = QListWidgetItem(row.text)
                if row.id is not None:
                    item.setData(RECORD_ID, str(row.id))
                    item.setData(RECORD_KIND, row.kind)
                self.addItem(item)
            if not rows:
                self.addItem(EMPTY)
            self.setEnabled(bool(rows))
            found = self.row_of(keep) if keep is not None else None
            self.setCurrentRow(-1 if found is None else found)
        finally:
            self.blockSignals(False)

    def ref_at(self, item: QListWidgetItem | None) -> RecordRef | None:
        if item is None or item.data(RECORD_ID) is None:
            return None
        return RecordRef(str(item.data(RECORD_KIND)), uuid.UUID(str(item.data(RECORD_ID))))

    def current(self) -> RecordRef | None:
        """The selected row's record, if a row is selected."""
        item = self.currentItem()
        return self.ref_at(item) if item is not None and item.isSelected() else None

    def row_of(self, ref: RecordRef) -> int | None:
        for row in range(self.count()):
            if self.ref_at(self.item(row)) == ref:
                return row
        return None
