"""The senior's end of shift: the summary, the handover notes, and **Sync and hand over**.

The sync runs off the GUI thread (progress, Cancel). The handover is refused while changes
are still only on this workstation or conflicts are undecided, unless the senior writes why;
the report then says so plainly. The report (with its sync receipt) is stored with the
handover, which syncs, and saved as a PDF where the senior chooses.

Everything that touches the store runs as an operation owned by the panel, in one sequence:
whether the workstation is enrolled, the sync, the summary read after it, then the handover
recorded with the notes as typed (``phase`` says which step is running; the button is off
meanwhile). The summary shown loads through a ``LatestOnly``; the notes draft is read once
(the boxes are off until it is back) and written as typed through ``SaveLatest``, and a lock
waits for the newest draft to be written (``flush_drafts``) before the key goes.
"""

from __future__ import annotations

from collections.abc import Callable
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

from ld_desktop.services.errors import is_refusal
from ld_desktop.services.handover import HandoverNotSafe, HandoverRecord, HandoverSummary
from ld_desktop.services.session import UserSession
from ld_desktop.ui.clinical.form_dialog import text_box
from ld_desktop.ui.clinical.share_dialog import PathChooser
from ld_desktop.ui.handover.summary_tree import SummaryTree
from ld_desktop.ui.handover.sync_runner import SyncFactory, SyncRunner, enrolled
from ld_desktop.ui.operations import Debounce, LatestOnly, Operation, SaveLatest, show_failure
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
        self._factory = factory
        self.runner = SyncRunner(session, factory, parent=self)
        # "checking": is the workstation enrolled; "syncing": the sync before handing over;
        # "reading": the summary after it; "completing": the handover being recorded;
        # "carrying": the quick sync after it that takes the handover record itself up;
        # "idle": none of these.
        self.phase = "idle"
        self._summary_load = LatestOnly(self)
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
        drafts = session.drafts
        self._draft = SaveLatest(self, lambda notes: drafts.save(DRAFT_KEY, notes),
                                 doing="keeping the handover notes")
        self.notes_loaded = False      # the boxes are off until the saved draft is back
        for key, box in self.notes.items():
            box.setAccessibleName(f"Handover note: {key}")
            box.setEnabled(False)
        self._draft_timer = Debounce(self, 500, self._save_draft)
        for box in self.notes.values():
            box.textChanged.connect(self._draft_timer.trigger)
        Operation(self, lambda: drafts.load(DRAFT_KEY), doing="reading the handover notes") \
            .success(self._show_draft).run()
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
        self.go_button.setEnabled(False)     # until the summary is read (``refresh``)
        self.waiting.setText("Loading…")

    @property
    def busy(self) -> bool:
        return self.phase != "idle"

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Read the summary for ``shift`` off the GUI thread (a newer read supersedes an
        older one), show it, then ``then`` (the next step of handing over)."""
        start, end = self.shift
        handover = self._s.handover
        self._summary_load.run(
            lambda: handover.summary(start.astimezone(UTC), end.astimezone(UTC)),
            lambda summary: self._show_summary(summary, then), self._summary_failed,
            doing="reading the handover summary")

    def _show_summary(self, summary: HandoverSummary, then: Callable[[], None] | None) -> None:
        self.summary = summary
        self.tree.show_summary(summary, datetime.now(UTC))
        pending, conflicts = summary.pending_ops, summary.open_conflicts
        self.waiting.setText(f"Changes only on this workstation: {pending} · conflicts "
                             f"waiting for a decision: {conflicts}")
        self.waiting.setObjectName("error" if pending or conflicts else "")
        self.waiting.style().polish(self.waiting)
        if then is not None:
            then()
        elif not self.busy:
            self.go_button.setEnabled(True)

    def _summary_failed(self, exc: Exception) -> None:
        self.message.setText(f"The handover summary could not be read: {exc}")
        if self.phase == "reading":   # after the sync: nothing is handed over
            self._idle()

    def close_for_lock(self) -> None:
        """No summary shown after the lock (running work is settled by the window)."""
        self._summary_load.cancel()
        self._draft_timer.stop()

    # ------------------------------------------------------------------ the notes draft
    def _show_draft(self, saved: dict[str, object] | None) -> None:
        for key, box in self.notes.items():
            box.blockSignals(True)       # the draft as read: nothing to write back
            box.setPlainText(str((saved or {}).get(key, "")))
            box.blockSignals(False)
            box.setEnabled(True)
        self.notes_loaded = True

    def _typed(self) -> dict[str, str]:
        return {key: box.toPlainText() for key, box in self.notes.items()}

    def _save_draft(self) -> None:
        if self.notes_loaded:
            self._draft.save(self._typed())

    def flush_drafts(self) -> None:
        """Keep the notes written so far, now (the window calls it before a lock): written
        off the GUI thread and waited for, as the key goes right after. Nothing is written
        before the saved draft is back (empty boxes would overwrite it)."""
        self._draft_timer.stop()
        if self.notes_loaded and not self._s.is_locked:
            self._draft.settle(self._typed())

    # ------------------------------------------------------------------ the flow
    def sync_and_hand_over(self) -> None:
        """Sync, then hand over. Each press makes a new handover: e.g. one recorded anyway
        while the network was down, then a complete one once it is back."""
        if self.busy or self.summary is None:
            return
        self.override.hide()
        self.receipt = None
        self.record = None
        self.phase = "checking"
        self.go_button.setEnabled(False)
        factory, session = self._factory, self._s
        Operation(self, lambda: enrolled(factory, session), doing="checking the sync enrolment") \
            .success(self._checked).failure(self._step_failed).run()

    def _checked(self, enrolled: bool) -> None:
        if not enrolled:
            self.message.setText("This workstation is not enrolled with a sync server, so "
                                 "nothing can go up.")
            self._complete(None)
            return
        self.message.setText("Syncing…")
        self._start_sync("syncing")

    def _step_failed(self, exc: Exception) -> None:
        self._idle()
        show_failure(self, exc, "handing over")

    def _idle(self) -> None:
        self.phase = "idle"
        self.go_button.setEnabled(self.summary is not None)

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
        if phase != "syncing":
            return
        self.receipt = {"server_seq": report.server_seq, "pushed": report.pushed,
                        "pulled": report.pulled, "conflicts": report.conflicts,
                        "synced_at": f"{datetime.now().astimezone():%d/%m/%Y %H:%M %Z}"}
        self.message.setText(f"Synced: {report.pushed} sent, {report.pulled} received, "
                             f"{report.conflicts} new conflicts; server position "
                             f"{report.server_seq}.")
        self.phase = "reading"            # the summary as synced, then the handover
        self.go_button.setEnabled(False)
        self.refresh(then=lambda: self._complete(None))

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
        phase = self.phase
        self.progress.hide()
        self.cancel_button.setEnabled(False)
        self._idle()
        return phase

    def hand_over_anyway(self) -> None:
        if self.busy or self.summary is None:
            return
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.refusal.setText(self.refusal.text().split(" Write why")[0]
                                 + " Write why before handing over anyway.")
            return
        self._complete(reason)

    def _complete(self, reason: str | None) -> None:
        """Record the handover with the notes as typed now, in the background; the notes
        draft goes in the same step, and no draft save still queued writes it back."""
        start, end = self.shift
        notes, receipt, summary = self._typed(), self.receipt, self.summary
        handover, drafts, draft = self._s.handover, self._s.drafts, self._draft
        self._draft_timer.stop()

        def record() -> HandoverRecord:
            with draft.holding():
                done = handover.complete(start.astimezone(UTC), end.astimezone(UTC), notes,
                                         receipt, reason, summary)
                drafts.discard(DRAFT_KEY)
                draft.written()
            return done

        self.phase = "completing"
        self.go_button.setEnabled(False)
        self.anyway_button.setEnabled(False)
        Operation(self, record, doing="recording the handover") \
            .success(self._completed).failure(self._not_completed).run(at_once=True)

    def _not_completed(self, exc: Exception) -> None:
        self._idle()
        self.anyway_button.setEnabled(True)
        if isinstance(exc, HandoverNotSafe) or is_refusal(exc):
            self.refusal.setText(str(exc))
            self.override.show()
            self.reason.setFocus()
            return
        show_failure(self, exc, "recording the handover")

    def _completed(self, record: HandoverRecord) -> None:
        self._idle()
        self.anyway_button.setEnabled(True)
        self.override.hide()
        self.record = record
        state = "complete" if record.complete else "recorded as INCOMPLETE"
        self.message.setText(f"Handover {state}. {self.message.text()}".strip())
        if self.receipt is not None:     # synced just now, so enrolled
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
