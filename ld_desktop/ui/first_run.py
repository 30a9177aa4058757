"""First run: the service name, its sites, the first administrator, and the recovery code
shown once with an "I have stored this safely" confirmation."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.services.errors import StoreError, WeakPassphrase
from ld_desktop.services.wipe import clear_notice, read_notice
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.wiped_page import notice_text


class FirstRunDialog(QDialog):
    def __init__(self, workstation: Workstation) -> None:
        super().__init__()
        self.setWindowTitle("Set up L&D Desktop")
        self._workstation = workstation
        self.admin_username = ""
        self.pages = QStackedWidget()
        self.pages.addWidget(self._details_page())
        self.pages.addWidget(self._recovery_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def _details_page(self) -> QWidget:
        page = QWidget()
        self.service = QLineEdit()
        self.service.setAccessibleName("Service name")
        self.sites = QPlainTextEdit()
        self.sites.setAccessibleName("Sites, one per line")
        self.sites.setPlaceholderText("One site per line, e.g. Northgate Custody Suite")
        self.sites.setTabChangesFocus(True)
        self.username = QLineEdit()
        self.username.setAccessibleName("Administrator username")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Administrator passphrase")
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName("Passphrase again")
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        create = QPushButton("Create the encrypted store")
        create.setAccessibleName("Create the encrypted store")
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
        form.addRow(QLabel("Nothing is stored yet. Set up this workstation."))
        form.addRow("&Service name", self.service)
        form.addRow("S&ites", self.sites)
        form.addRow("&Administrator username", self.username)
        form.addRow("&Passphrase (12+ characters)", self.passphrase)
        form.addRow("Passphrase a&gain", self.again)
        form.addRow(create)
        form.addRow(self.error)
        return page

    def _recovery_page(self) -> QWidget:
        page = QWidget()
        self.code = QLabel("")
        self.code.setObjectName("title")
        self.stored = QCheckBox("I have stored this recovery code safely")
        self.stored.setAccessibleName("I have stored this recovery code safely")
        self.finish_button = QPushButton("Continue")
        self.finish_button.setEnabled(False)
        self.stored.toggled.connect(self.finish_button.setEnabled)
        self.finish_button.clicked.connect(self.accept)
        box = QVBoxLayout(page)
        box.addWidget(QLabel("Recovery code: shown once. Print it and give it to the service "
                             "lead. It is the only way back in if every passphrase is lost."))
        box.addWidget(self.code)
        box.addWidget(self.stored)
        box.addWidget(self.finish_button)
        return page

    def create_store(self) -> None:
        if self.passphrase.text() != self.again.text():
            self.error.setText("The two passphrases do not match.")
            return
        sites = [s.strip() for s in self.sites.toPlainText().splitlines() if s.strip()]
        try:
            code = self._workstation.initialise(
                self.service.text(), sites, self.username.text().strip(), self.passphrase.text())
        except (ValueError, WeakPassphrase, StoreError) as exc:
            self.error.setText(str(exc))
            return
        self.admin_username = self.username.text().strip()
        clear_notice(self._workstation.data_dir)
        self.passphrase.clear()
        self.again.clear()
        self.code.setText(code)
        self.pages.setCurrentIndex(1)
        self.stored.setFocus()
