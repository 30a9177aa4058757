"""The senior's end of shift: the summary, the handover notes, and **Sync and hand over**.

The sync runs off the GUI thread (progress, Cancel). The handover is refused while changes
are still only on this workstation or conflicts are undecided, unless the senior writes why;
the report then says so plainly. The report (with its sync receipt) is stored with the
handover, which syncs, and saved as a PDF where the senior chooses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.handover import HandoverNotSafe, HandoverRecord, HandoverSummary
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.form_dialog import text_box
from ld_desktop.ui.clinical.share_dialog import PathChooser
from ld_desktop.ui.handover.summary_tree import SummaryTree
from ld_desktop.ui.handover.sync_runner import SyncFactory, SyncRunner
from ld_desktop.ui.operations import Debounce
from ld_desktop.ui.pdf.handover_report import report_file_name, write_handover_report
from sync.client import SyncCancelled, SyncReport

DRAFT_KEY = "handover-notes"   # what the senior has written, kept until handed over


class HandoverPanel(QWidget):
    open_case = Signal(object)
    handed_over = Signal(object)      # HandoverRecord

    def __init__(self, session: UserSession, factory: SyncFactory, choose_path: PathChooser,
                 shift: tuple[datetime, datetime]) -> None:
        super().__init__()
        self._s = session
        self._choose_path = choose_path
        self.shift = shift
        self.runner = SyncRunner(session, factory)
        # "syncing": the sync before handing over; "carrying": the quick sync after it that
        # takes the handover record itself up; "idle": neither.
        self.phase = "idle"
        self.receipt: dict[str, object] | None = None
        self.record: HandoverRecord | None = None
        self.summary: HandoverSummary | None = None
        self.tree = SummaryTree()
        self.tree.open_case.connect(self.open_case)
        notes = QWidget()
        form = QFormLayout(notes)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.notes = {"general": text_box("For the whole team: what the next shift must know", 5)}
        form.addRow("&General", self.notes["general"])
        for site in session.sites:
            self.notes[site.name] = text_box(f"{site.name}: anything specific", 3)
            form.addRow(site.name, self.notes[site.name])
        saved = session.drafts.load(DRAFT_KEY) or {}
        for key, box in self.notes.items():
            box.setAccessibleName(f"Handover note: {key}")
            box.setPlainText(str(saved.get(key, "")))
        self._draft_timer = Debounce(self, 500, self.flush_drafts)
        for box in self.notes.values():
            box.textChanged.connect(self._draft_timer.trigger)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(notes)
        split.setSizes([620, 420])
        self.go_button = QPushButton("Sync and &hand over")
        self.go_button.setAccessibleName("Sync and hand over")
        self.cancel_button = QPushButton("Cancel sync (Esc)")
        self.cancel_button.setAccessibleName("Cancel the sync")
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.cancel_button.click)   # does nothing unless syncing
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Sync progress")
        self.progress.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.waiting = QLabel()
        self.waiting.setAccessibleName("Changes and conflicts waiting")
        self.override = QWidget()
        over = QVBoxLayout(self.override)
        self.refusal = QLabel()
        self.refusal.setObjectName("error")
        self.refusal.setWordWrap(True)
        self.reason = text_box("Why the handover goes ahead anyway (e.g. network down in "
                               "custody since 18:00)", 2)
        self.reason.setAccessibleName("Reason to hand over anyway")
        self.anyway_button = QPushButton("Hand over &anyway, with this reason")
        self.anyway_button.setAccessibleName("Hand over anyway, with this reason")
        over.addWidget(self.refusal)
        over.addWidget(self.reason)
        over.addWidget(self.anyway_button)
        self.override.hide()
        row = QHBoxLayout()
        row.addWidget(self.go_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.waiting)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.override)
        self.go_button.clicked.connect(self.sync_and_hand_over)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.anyway_button.clicked.connect(self.hand_over_anyway)
        self.runner.progress.connect(self._progress)
        self.runner.finished.connect(self._synced)
        self.runner.failed.connect(self._sync_failed)
        self.refresh()

    def refresh(self) -> None:
        start, end = self.shift
        self.summary = self._s.handover.summary(start.astimezone(UTC), end.astimezone(UTC))
        self.tree.show_summary(self.summary, datetime.now(UTC))
        pending, conflicts = self.summary.pending_ops, self.summary.open_conflicts
        self.waiting.setText(f"Changes only on this workstation: {pending} · conflicts "
                             f"waiting for a decision: {conflicts}")
        self.waiting.setObjectName("error" if pending or conflicts else "")
        self.waiting.style().polish(self.waiting)

    def flush_drafts(self) -> None:
        """Keep the notes written so far (also called by the window before a lock)."""
        self._draft_timer.stop()
        if not self._s.is_locked:
            self._s.drafts.save(DRAFT_KEY, {k: b.toPlainText() for k, b in self.notes.items()})

    # ------------------------------------------------------------------ the flow
    def sync_and_hand_over(self) -> None:
        """Sync, then hand over. Each press makes a new handover: e.g. one recorded anyway
        while the network was down, then a complete one once it is back."""
        if self.phase != "idle":
            return
        self.override.hide()
        self.receipt = None
        self.record = None
        if not self.runner.enrolled():
            self.message.setText("This workstation is not enrolled with a sync server, so "
                                 "nothing can go up.")
            self._complete(None)
            return
        self.message.setText("Syncing…")
        self._start_sync("syncing")

    def _start_sync(self, phase: str) -> None:
        self.phase = phase
        self.go_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.show()
        self.runner.start()

    def _progress(self, text: str) -> None:
        """Sync progress on screen, except while carrying the handover record up: the message
        then keeps the receipt's figures (what the handover's own sync did)."""
        if self.phase != "carrying":
            self.message.setText(text)

    def _synced(self, report: SyncReport) -> None:
        phase = self._sync_ended()
        if phase == "carrying":           # the second, quick sync carried the handover up
            self.message.setText(self.message.text() + " The handover itself is on the server.")
            self.refresh()
            return
        self.receipt = {"server_seq": report.server_seq, "pushed": report.pushed,
                        "pulled": report.pulled, "conflicts": report.conflicts,
                        "synced_at": f"{datetime.now().astimezone():%d/%m/%Y %H:%M %Z}"}
        self.message.setText(f"Synced: {report.pushed} sent, {report.pulled} received, "
                             f"{report.conflicts} new conflicts; server position "
                             f"{report.server_seq}.")
        self.refresh()
        self._complete(None)

    def _sync_failed(self, exc: Exception) -> None:
        phase = self._sync_ended()
        if phase == "carrying":
            self.message.setText(self.message.text() + " The handover is kept here and goes "
                                 "to the server with the next sync.")
            self.refresh()
            return
        self.message.setText(f"Sync did not finish: {exc} Everything is kept here.")
        if isinstance(exc, SyncCancelled):      # the senior stopped it: hand nothing over
            self.refusal.setText("Sync cancelled, so nothing has been handed over. Press "
                                 "Sync and hand over again, or hand over anyway with a reason.")
            self.override.show()
            return
        self._complete(None)

    def _sync_ended(self) -> str:
        """Back to idle; returns the phase that ended."""
        phase, self.phase = self.phase, "idle"
        self.progress.hide()
        self.cancel_button.setEnabled(False)
        self.go_button.setEnabled(True)
        return phase

    def hand_over_anyway(self) -> None:
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.refusal.setText(self.refusal.text().split(" Write why")[0]
                                 + " Write why before handing over anyway.")
            return
        self._complete(reason)

    def _complete(self, reason: str | None) -> None:
        start, end = self.shift
        notes = {key: box.toPlainText() for key, box in self.notes.items()}
        try:
            record = self._s.handover.complete(start.astimezone(UTC), end.astimezone(UTC),
                                               notes, self.receipt, reason, self.summary)
        except HandoverNotSafe as exc:
            self.refusal.setText(str(exc))
            self.override.show()
            self.reason.setFocus()
            return
        self.override.hide()
        self.record = record
        self._draft_timer.stop()
        self._s.drafts.discard(DRAFT_KEY)
        state = "complete" if record.complete else "recorded as INCOMPLETE"
        self.message.setText(f"Handover {state}. {self.message.text()}".strip())
        if self.runner.enrolled() and self.receipt is not None:
            self._start_sync("carrying")   # carry the handover record itself up
        else:
            self.refresh()
        self.save_report(record)
        self.handed_over.emit(record)

    def save_report(self, record: HandoverRecord) -> None:
        path = self._choose_path(self, report_file_name(record))
        if path is None:
            self.message.setText(self.message.text() + " The report was not saved as a PDF; "
                                 "it can be saved from Previous handovers.")
            return
        try:
            write_handover_report(record, path)
        except OSError as exc:
            self.message.setText(f"{self.message.text()} The PDF could not be saved: {exc}")
            return
        self.saved_path = path
        self.message.setText(f"{self.message.text()} Report saved to {path}.")
