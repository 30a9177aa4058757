"""Previous handovers: browse, acknowledge (the next shift, audited), save the report again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.handover import HandoverRecord
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.share_dialog import PathChooser
from ld_desktop.ui.pdf.handover_report import (
    handover_html,
    report_file_name,
    write_handover_report,
)


def record_line(r: HandoverRecord) -> str:
    state = "complete" if r.complete else "INCOMPLETE: " + (r.incomplete_reason or "")
    acks = (f" · acknowledged by {', '.join(r.acknowledged_by)}" if r.acknowledged_by
            else " · not yet acknowledged")
    start, end = r.shift_start.astimezone(), r.shift_end.astimezone()   # local, as on the page
    return (f"{start:%d/%m %H:%M}–{end:%H:%M} · {', '.join(r.site_names)} · "
            f"by {r.author} · {state}{acks}")


class HistoryPanel(QWidget):
    message = Signal(str)

    def __init__(self, session: UserSession, choose_path: PathChooser) -> None:
        super().__init__()
        self._s = session
        self._choose_path = choose_path
        self.records: list[HandoverRecord] = []
        self.listing = QListWidget()
        self.listing.setAccessibleName("Previous handovers")
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Handover report")
        self.acknowledge_button = QPushButton("&Acknowledge (I have read it)")
        self.acknowledge_button.setAccessibleName("Acknowledge the chosen handover")
        self.save_button = QPushButton("Save report &PDF…")
        self.save_button.setAccessibleName("Save the chosen handover report as PDF")
        buttons = QHBoxLayout()
        buttons.addWidget(self.acknowledge_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Handovers for your sites, newest first"))
        layout.addWidget(self.listing, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.preview, 2)
        self.listing.currentRowChanged.connect(self._show)
        self.acknowledge_button.clicked.connect(self.acknowledge)
        self.save_button.clicked.connect(self.save_pdf)
        self.refresh()

    def refresh(self) -> None:
        chosen = self.current()
        self.records = self._s.handover.previous()
        self.listing.clear()
        self.listing.addItems([record_line(r) for r in self.records])
        ids = [r.id for r in self.records]
        self.listing.setCurrentRow(ids.index(chosen.id) if chosen and chosen.id in ids else 0)
        self._show(self.listing.currentRow())

    def current(self) -> HandoverRecord | None:
        row = self.listing.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None

    def _show(self, _row: int) -> None:
        record = self.current()
        self.preview.setHtml(handover_html(record) if record else
                             "<p>No handovers recorded yet.</p>")
        mine = record is not None and record.author == self._s.user.username
        done = record is not None and self._s.user.username in record.acknowledged_by
        self.acknowledge_button.setEnabled(record is not None and not mine and not done)
        self.save_button.setEnabled(record is not None)

    def _guard(self, action: Callable[[HandoverRecord], str]) -> None:
        record = self.current()
        if record is None:
            return
        try:
            self.message.emit(action(record))
        except (ValueError, PermissionError, OSError) as exc:
            self.message.emit(str(exc))

    def acknowledge(self) -> None:
        def act(record: HandoverRecord) -> str:
            self._s.handover.acknowledge(record.id)
            self.refresh()
            return f"Acknowledged the handover from {record.author}."
        self._guard(act)

    def save_pdf(self) -> None:
        def act(record: HandoverRecord) -> str:
            path = self._choose_path(self, report_file_name(record))
            if path is None:
                return "Not saved."
            write_handover_report(record, path)
            return f"Report saved to {path}."
        self._guard(act)
