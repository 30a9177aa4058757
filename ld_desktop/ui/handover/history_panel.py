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
from ld_desktop.ui.operations import LatestOnly, Operation, show_failure
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
        self._latest = LatestOnly(self)
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
        """Load the handovers off the GUI thread; a newer load supersedes an older one, and
        nothing is shown after a lock or once the panel is gone."""
        handover = self._s.handover
        self._latest.run(handover.previous, self._loaded, self._load_failed,
                         doing="loading the previous handovers")

    def _load_failed(self, exc: Exception) -> None:
        self.preview.setHtml(f"<p>The previous handovers could not be loaded: {exc}</p>")

    def _loaded(self, records: list[HandoverRecord]) -> None:
        chosen = self.current()
        self.records = records
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
        """Acknowledge as an operation owned by the panel, the button off while it runs; a
        refusal is said in place, other failures go to the default display."""
        record = self.current()
        if record is None:
            return
        handover = self._s.handover
        self.acknowledge_button.setEnabled(False)

        def done(_result: object) -> None:
            self.message.emit(f"Acknowledged the handover from {record.author}.")
            self.refresh()

        def refused(exc: Exception) -> None:
            self._show(self.listing.currentRow())   # the button back as it was
            if isinstance(exc, (ValueError, PermissionError)):
                self.message.emit(str(exc))
            else:
                show_failure(self, exc, "acknowledging the handover")

        Operation(self, lambda: handover.acknowledge(record.id),
                  doing="acknowledging the handover") \
            .success(done).failure(refused).run(at_once=True)

    def save_pdf(self) -> None:
        def act(record: HandoverRecord) -> str:
            path = self._choose_path(self, report_file_name(record))
            if path is None:
                return "Not saved."
            write_handover_report(record, path)
            return f"Report saved to {path}."
        self._guard(act)

    def close_for_lock(self) -> None:
        self._latest.cancel()
