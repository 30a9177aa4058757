"""First run: a short guided path rendered from `services.first_run_flow.FirstRunFlow`.

Create the store -> print the recovery code -> add the first practitioner or senior -> enrol
with the server or skip -> lock and hand over. Every rule lives in the flow; this dialog
only shows the current step, sends what was typed and shows errors inline.

A step that touches the store (creating it, with its Argon2id key derivation; adding an
account; enrolling) runs as an :class:`~ld_desktop.ui.operations.Operation` owned by the
dialog: the step's buttons are off and a calm line says what is happening until it is back,
so the window keeps painting and a second Enter cannot run the step again. A refusal is
shown in place with what was typed kept (passphrases are emptied); success moves on. The
steps that only move the flow on (the recovery code confirmed as stored, no account yet,
no server) touch nothing and stay on the GUI thread. The dialog cannot be closed while a
step runs: its result would open a session that nothing then locks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.roles import Role
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.first_run_flow import CLINICAL_ROLES, FirstRunFlow, Step
from ld_desktop.services.wipe import clear_notice, read_notice
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.operations import Operation, show_failure
from ld_desktop.ui.pdf.recovery_sheet import print_recovery_sheet, save_recovery_sheet
from ld_desktop.ui.wiped_page import notice_text

STEP_TITLES = {Step.STORE: "1 of 5 · The encrypted store", Step.RECOVERY: "2 of 5 · Recovery code",
               Step.FIRST_USER: "3 of 5 · First clinical account",
               Step.ENROL: "4 of 5 · Central server", Step.HANDOVER: "5 of 5 · Lock and hand over"}


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


def _named(widget: QLineEdit, name: str) -> QLineEdit:
    widget.setAccessibleName(name)
    return widget


def _info(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("error")
    label.setWordWrap(True)
    return label


class FirstRunDialog(QDialog):
    def __init__(self, workstation: Workstation, flow: FirstRunFlow | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Set up L&D Desktop")
        self.setMinimumWidth(560)
        self.setMaximumWidth(720)
        self._workstation = workstation
        self.flow = flow or FirstRunFlow(workstation)
        self.admin_username = ""
        self.heading = QLabel("")
        self.heading.setObjectName("title")
        self.error = _error_label()
        self.progress = QLabel("")   # what a step running in the background is doing
        self.progress.setObjectName("subtitle")
        self.progress.setWordWrap(True)
        self.progress.setAccessibleName("What is happening")
        self.step_running: Operation | None = None
        self.pages = QStackedWidget()
        self._page_of = {Step.STORE: self._store_page(), Step.RECOVERY: self._recovery_page(),
                         Step.FIRST_USER: self._user_page(), Step.ENROL: self._enrol_page(),
                         Step.HANDOVER: self._handover_page()}
        for page in self._page_of.values():
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.pages)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        self._show_step()

    # pages ----------------------------------------------------------------------------------
    def _store_page(self) -> QWidget:
        page = QWidget()
        self.service = _named(QLineEdit(), "Service name")
        self.sites = QPlainTextEdit()
        self.sites.setAccessibleName("Sites, one per line")
        self.sites.setPlaceholderText("One site per line, e.g. Northgate Custody Suite")
        self.sites.setTabChangesFocus(True)
        self.username = _named(QLineEdit(), "Administrator username")
        self.passphrase = _password_field("Administrator passphrase")
        self.again = _password_field("Passphrase again")
        self.create_button = create = QPushButton("&Create the encrypted store")
        create.clicked.connect(self.create_store)
        form = QFormLayout(page)
        self.wiped: QLabel | None = None
        notice = read_notice(self._workstation.data_dir)
        if notice is not None:   # say what happened to the store that was here
            self.wiped = QLabel(notice_text(notice))
            self.wiped.setObjectName("error")
            self.wiped.setWordWrap(True)
            self.wiped.setAccessibleName("What happened to this workstation's data")
            form.addRow(self.wiped)
        form.addRow(_info("Nothing is stored yet. Set up this workstation: the administrator "
                           "manages it; clinical work needs its own accounts (next steps)."))
        form.addRow("&Service name", self.service)
        form.addRow("S&ites", self.sites)
        form.addRow("&Administrator username", self.username)
        form.addRow("&Passphrase (three random words work well)", self.passphrase)
        form.addRow("Passphrase a&gain", self.again)
        form.addRow(create)
        return page

    def _recovery_page(self) -> QWidget:
        page = QWidget()
        self.code = QLabel("")
        self.code.setObjectName("title")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.code.setAccessibleName("Recovery code")
        self.print_button = QPushButton("&Print…")
        self.print_button.clicked.connect(self.print_sheet)
        self.pdf_button = QPushButton("Save as P&DF…")
        self.pdf_button.clicked.connect(self.save_sheet)
        self.stored = QCheckBox("I have &stored this recovery code safely")
        self.finish_button = QPushButton("C&ontinue")
        self.finish_button.setEnabled(False)
        self.stored.toggled.connect(self.finish_button.setEnabled)
        self.finish_button.clicked.connect(self.confirm_recovery)
        self.sheet_note = QLabel("")
        self.sheet_note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        box = QVBoxLayout(page)
        box.addWidget(_info("The store is created. This recovery code is shown once: print it "
                             "and give it, sealed, to the service lead. It is the only way back "
                             "in if every passphrase is lost."))
        box.addWidget(self.code)
        box.addLayout(buttons)
        box.addWidget(self.sheet_note)
        box.addWidget(self.stored)
        box.addWidget(self.finish_button)
        return page

    def _user_page(self) -> QWidget:
        page = QWidget()
        self.user_name = _named(QLineEdit(), "Username")
        self.user_display = _named(QLineEdit(), "Full name")
        self.user_role = QComboBox()
        self.user_role.setAccessibleName("Role")
        for role in CLINICAL_ROLES:
            self.user_role.addItem(role.label, role.value)
        self.user_pass = _password_field("Their passphrase")
        self.user_again = _password_field("Their passphrase again")
        self.add_button = add = QPushButton("&Add this user")
        add.clicked.connect(self.add_user)
        self.added = QListWidget()
        self.added.setAccessibleName("Clinical accounts added")
        self.user_next = QPushButton("&Later: go on without one")
        self.user_next.clicked.connect(self.users_done)
        form = QFormLayout(page)
        form.addRow(_info("Clinical work needs a practitioner or senior practitioner account: "
                           "the administrator manages the workstation but does not see people. "
                           "The person types their own passphrase."))
        form.addRow("&Username", self.user_name)
        form.addRow("&Full name", self.user_display)
        form.addRow("&Role", self.user_role)
        form.addRow("&Passphrase", self.user_pass)
        form.addRow("Passphrase a&gain", self.user_again)
        form.addRow(add)
        form.addRow(self.added)
        form.addRow(self.user_next)
        return page

    def _enrol_page(self) -> QWidget:
        page = QWidget()
        self.server_url = _named(QLineEdit(), "Server address")
        self.server_url.setPlaceholderText("https://ld-sync.example.nhs.uk")
        self.enrol_code = _named(QLineEdit(), "One-time enrolment code")
        self.admin_code = _named(QLineEdit(), "Administrator code, first workstation only")
        self.admin_code.setPlaceholderText("Only on the service's first workstation")
        self.enrol_button = QPushButton("&Enrol")
        self.enrol_button.clicked.connect(self.enrol)
        self.skip_button = QPushButton("&Skip: work offline for now")
        self.skip_button.clicked.connect(self.skip_enrol)
        form = QFormLayout(page)
        form.addRow(_info("Enrol with the central server so records sync with the team's "
                           "other workstations. Without it everything stays here until the "
                           "workstation is enrolled (Sync page)."))
        form.addRow("Server &address", self.server_url)
        form.addRow("One-time &code", self.enrol_code)
        form.addRow(_info("The service's first workstation also registers you as its first "
                          "administrator: enter the code from 'ld-sync-server admin-code'. "
                          "Other workstations leave it empty."))
        form.addRow("Ad&ministrator code", self.admin_code)
        form.addRow(self.enrol_button)
        form.addRow(self.skip_button)
        return page

    def _handover_page(self) -> QWidget:
        page = QWidget()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What was set up")
        self.hand_over = QPushButton("&Lock and hand over")
        self.hand_over.clicked.connect(self.lock_and_hand_over)
        box = QVBoxLayout(page)
        box.addWidget(self.summary)
        box.addWidget(self.hand_over)
        box.addStretch(1)
        return page

    # actions --------------------------------------------------------------------------------
    def _show_step(self) -> None:
        step = self.flow.step
        if step is Step.DONE:
            return
        self.heading.setText(STEP_TITLES[step])
        self.pages.setCurrentWidget(self._page_of[step])
        # Enter in a field presses the step's main button (the dialog's default), once.
        primary = {Step.STORE: self.create_button, Step.RECOVERY: self.finish_button,
                   Step.FIRST_USER: self.add_button, Step.ENROL: self.enrol_button,
                   Step.HANDOVER: self.hand_over}
        for button in primary.values():
            button.setDefault(button is primary[step])
        first = {Step.STORE: self.service, Step.RECOVERY: self.print_button,
                 Step.FIRST_USER: self.user_name, Step.ENROL: self.server_url,
                 Step.HANDOVER: self.hand_over}[step]
        first.setFocus()

    def _attempt(self, action: Callable[[], object]) -> bool:
        """A step that only moves the flow on (no store): run here, a refusal shown."""
        try:
            action()
        except Exception as exc:
            if not is_refusal(exc):
                raise
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        return True

    def _run_step(self, buttons: tuple[QPushButton, ...], busy: str, doing: str,
                  work: Callable[[], Any], done: Callable[[Any], None],
                  failed: Callable[[Exception], None]) -> None:
        """Run a step that touches the store as an operation owned by the dialog: its
        ``buttons`` off and ``busy`` shown until it is back; then ``done`` or ``failed``.
        A step already running is not started again (Enter pressed twice)."""
        if self.step_running is not None:
            return
        self.error.setText("")
        self.progress.setText(busy)
        for button in buttons:
            button.setEnabled(False)

        def over() -> None:
            self.step_running = None
            self.progress.setText("")
            self.error.setText("")   # "still running", if closing was tried meanwhile
            for button in buttons:
                button.setEnabled(True)

        def succeeded(value: Any) -> None:
            over()
            done(value)

        def went_wrong(exc: Exception) -> None:
            over()
            failed(exc)

        # at once: a step the person asked for never waits in the pool's queue
        self.step_running = Operation(self, work, doing=doing) \
            .success(succeeded).failure(went_wrong).run(at_once=True)

    def _refused(self, exc: Exception, doing: str) -> None:
        """A refusal (a weak passphrase is a ValueError) is said in place; anything else
        goes to the default failure display."""
        if is_refusal(exc):
            self.error.setText(str(exc))
        else:
            show_failure(self, exc, doing)

    def create_store(self) -> None:
        flow, data_dir = self.flow, self._workstation.data_dir
        service, sites = self.service.text(), self.sites.toPlainText()
        admin, passphrase, again = self.username.text(), self.passphrase.text(), self.again.text()

        def create() -> None:   # on the worker: Argon2id takes a second or so
            flow.create_store(service, sites, admin, passphrase, again)
            clear_notice(data_dir)   # a new store: the old notice is history

        def created(_none: None) -> None:
            self.passphrase.clear()
            self.again.clear()
            self.admin_username = admin.strip()
            self.code.setText(self.flow.recovery_code or "")
            self._show_step()

        def refused(exc: Exception) -> None:
            self.passphrase.clear()
            self.again.clear()
            self._refused(exc, "creating the encrypted store")
            self.passphrase.setFocus()

        self._run_step((self.create_button,), "Creating the encrypted store… this takes a "
                       "moment.", "creating the encrypted store", create, created, refused)

    def print_sheet(self) -> None:
        if print_recovery_sheet(self, self.flow.recovery_sheet()):
            self.sheet_note.setText("Sent to the printer.")

    def save_sheet(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the recovery sheet",
                                              "ld-desktop-recovery-sheet.pdf", "PDF (*.pdf)")
        if not path:
            return
        saved = save_recovery_sheet(self.flow.recovery_sheet(), path)
        self.sheet_note.setText(f"Saved to {saved} (readable by you only). Print it, then "
                                "delete the file: anyone with it can open this store.")

    def confirm_recovery(self) -> None:
        if self._attempt(lambda: self.flow.confirm_recovery_stored(self.stored.isChecked())):
            self.code.clear()
            self._show_step()

    def add_user(self) -> None:
        flow, name = self.flow, self.user_name.text().strip()
        display, role = self.user_display.text(), Role(self.user_role.currentData())
        role_label, passphrase, again = (self.user_role.currentText(), self.user_pass.text(),
                                         self.user_again.text())

        def added(_none: None) -> None:
            self.user_pass.clear()
            self.user_again.clear()
            self.added.addItem(f"{name} · {role_label}")
            self.user_name.clear()
            self.user_display.clear()
            self.user_next.setText("C&ontinue")
            self.user_next.setFocus()

        def refused(exc: Exception) -> None:
            self.user_pass.clear()
            self.user_again.clear()
            self._refused(exc, "adding the account")
            self.user_pass.setFocus()

        self._run_step((self.add_button, self.user_next), f"Adding {name or 'the account'}…",
                       "adding the account",
                       lambda: flow.add_first_user(name, display, role, passphrase, again),
                       added, refused)

    def users_done(self) -> None:
        if self._attempt(self.flow.first_user_done):
            self._show_step()

    def enrol(self) -> None:
        flow, url, code = self.flow, self.server_url.text(), self.enrol_code.text()
        admin_code = self.admin_code.text()
        self._run_step((self.enrol_button, self.skip_button), "Enrolling…",
                       "enrolling with the server", lambda: flow.enrol(url, code, admin_code),
                       self._enrolled, self._enrol_failed)

    def _enrolled(self, _status: object) -> None:
        self._show_step_with_summary()

    def _enrol_failed(self, exc: Exception) -> None:
        self.error.setText(f"Not enrolled: {exc}")   # the network's words, as before
        self.enrol_code.setFocus()

    def skip_enrol(self) -> None:
        if self._attempt(self.flow.skip_enrol):
            self._show_step_with_summary()

    def _show_step_with_summary(self) -> None:
        self.summary.setText("\n".join(self.flow.summary().lines))
        self._show_step()

    def lock_and_hand_over(self) -> None:
        self.flow.lock_and_hand_over()
        self.accept()

    # closing part-way -------------------------------------------------------------------------
    def _busy_closing(self) -> bool:
        """A step is running: the dialog stays (its result would open a session that
        nothing then locks); say so."""
        if self.step_running is None:
            return False
        self.error.setText("Wait a moment: this step is still running.")
        return True

    def reject(self) -> None:
        if self._busy_closing():
            return
        if self.flow.step is Step.RECOVERY:
            self.error.setText("Store the recovery code and confirm it first: it is shown only "
                               "once.")
            return
        self._abandon()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.flow.step is Step.RECOVERY or self._busy_closing():
            self.reject()
            event.ignore()
            return
        self._abandon()
        super().closeEvent(event)

    def _abandon(self) -> None:
        """Closed part-way: the administrator's session locks (its audit, then the key
        goes) before the dialog closes, as the hand-over and the main window's lock do."""
        self.flow.abandon()
