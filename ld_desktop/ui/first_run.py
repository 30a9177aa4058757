"""First run: a short guided path rendered from `services.first_run_flow.FirstRunFlow`.

Create the store -> print the recovery code -> add the first practitioner or senior -> enrol
with the server or skip -> lock and hand over. Every rule lives in the flow; this dialog
only shows the current step, sends what was typed and shows errors inline.
"""

from __future__ import annotations

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
from ld_desktop.ui.operations import run_in_background
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
        self.pages = QStackedWidget()
        self._page_of = {Step.STORE: self._store_page(), Step.RECOVERY: self._recovery_page(),
                         Step.FIRST_USER: self._user_page(), Step.ENROL: self._enrol_page(),
                         Step.HANDOVER: self._handover_page()}
        for page in self._page_of.values():
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.pages)
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

    def _attempt(self, action: object) -> bool:
        try:
            action()  # type: ignore[operator]
        except Exception as exc:
            if not is_refusal(exc):   # WeakPassphrase is a ValueError
                raise
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        return True

    def create_store(self) -> None:
        done = self._attempt(lambda: self.flow.create_store(
            self.service.text(), self.sites.toPlainText(), self.username.text(),
            self.passphrase.text(), self.again.text()))
        self.passphrase.clear()
        self.again.clear()
        if done:
            self.admin_username = self.username.text().strip()
            clear_notice(self._workstation.data_dir)   # a new store: the old notice is history
            self.code.setText(self.flow.recovery_code or "")
            self._show_step()
        else:
            self.passphrase.setFocus()

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
        name = self.user_name.text().strip()
        done = self._attempt(lambda: self.flow.add_first_user(
            name, self.user_display.text(), Role(self.user_role.currentData()),
            self.user_pass.text(), self.user_again.text()))
        self.user_pass.clear()
        self.user_again.clear()
        if done:
            self.added.addItem(f"{name} · {self.user_role.currentText()}")
            self.user_name.clear()
            self.user_display.clear()
            self.user_next.setText("C&ontinue")
            self.user_next.setFocus()
        else:
            self.user_pass.setFocus()

    def users_done(self) -> None:
        if self._attempt(self.flow.first_user_done):
            self._show_step()

    def enrol(self) -> None:
        url, code = self.server_url.text(), self.enrol_code.text()
        admin_code = self.admin_code.text()
        self.enrol_button.setEnabled(False)
        self.skip_button.setEnabled(False)
        self.error.setText("Enrolling…")
        run_in_background(lambda: self.flow.enrol(url, code, admin_code), self._enrolled,
                          self._enrol_failed)

    def _enrolled(self, _status: object) -> None:
        self.error.setText("")
        self._show_step_with_summary()

    def _enrol_failed(self, exc: Exception) -> None:
        self.enrol_button.setEnabled(True)
        self.skip_button.setEnabled(True)
        self.error.setText(f"Not enrolled: {exc}")
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
    def reject(self) -> None:
        if self.flow.step is Step.RECOVERY:
            self.error.setText("Store the recovery code and confirm it first: it is shown only "
                               "once.")
            return
        self.flow.abandon()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.flow.step is Step.RECOVERY:
            self.reject()
            event.ignore()
            return
        self.flow.abandon()
        super().closeEvent(event)
