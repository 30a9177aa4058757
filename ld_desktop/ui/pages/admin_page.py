"""Administration: workstation settings (auto-lock, sync interval, pathway targets) and the
users who may unlock this workstation. Administrators only."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.roles import Role
from ld_desktop.domain.targets import Targets
from ld_desktop.services.errors import StoreError
from ld_desktop.services.session import UserSession
from ld_desktop.services.settings import WorkstationSettings


def _spin(name: str, low: int, high: int, value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setAccessibleName(name)
    return box


class AdminPage(QWidget):
    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        current = session.settings.load()
        title = QLabel("Administration")
        title.setObjectName("title")
        self.auto_lock = _spin("Auto-lock after minutes idle", 1, 60,
                               current.auto_lock_minutes, " min")
        self.sync_interval = _spin("Background sync interval", 1, 240,
                                   current.sync_interval_minutes, " min")
        self.to_seen = _spin("Target: referral to seen", 5, 1440,
                             current.targets.referral_to_seen, " min")
        self.to_screened = _spin("Target: referral to screened", 5, 2880,
                                 current.targets.referral_to_screened, " min")
        self.save_button = QPushButton("Save settings")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        settings_box = QGroupBox("This workstation")
        form = QFormLayout(settings_box)
        form.addRow("&Auto-lock after", self.auto_lock)
        form.addRow("Background s&ync every", self.sync_interval)
        form.addRow("Target: referral to &seen", self.to_seen)
        form.addRow("Target: referral to sc&reened", self.to_screened)
        form.addRow(self.save_button)
        self.users = QListWidget()
        self.users.setAccessibleName("Users of this workstation")
        self.new_username = QLineEdit()
        self.new_username.setAccessibleName("New username")
        self.new_role = QComboBox()
        self.new_role.setAccessibleName("New user's role")
        for role in Role:
            self.new_role.addItem(role.label, role.value)
        self.new_passphrase = QLineEdit()
        self.new_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_passphrase.setAccessibleName("New user's own passphrase")
        add = QPushButton("Add user (they type their passphrase)")
        add.clicked.connect(self.add_user)
        self.new_passphrase.returnPressed.connect(self.add_user)
        self.clinical_hint = QLabel("")
        self.clinical_hint.setWordWrap(True)
        users_box = QGroupBox("Users (key slots on this workstation)")
        users_form = QFormLayout(users_box)
        users_form.addRow(self.users)
        users_form.addRow("&Username", self.new_username)
        users_form.addRow("R&ole", self.new_role)
        users_form.addRow("&Passphrase", self.new_passphrase)
        users_form.addRow(add)
        users_form.addRow(self.clinical_hint)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(settings_box)
        layout.addWidget(users_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.refresh_users()

    def refresh_users(self) -> None:
        self.users.clear()
        members = self._s.accounts.list_users()
        for member in members:
            state = "" if member.active else " (removed)"
            self.users.addItem(f"{member.username} · {member.role.label}{state}")
        clinical = [m for m in members if m.active and m.role in (Role.PRACTITIONER, Role.SENIOR)]
        self.clinical_hint.setText(
            "" if clinical else "No practitioner or senior account yet: clinical work needs "
                                "one (administrators manage the workstation, not people's "
                                "records). Add one above.")

    def save(self) -> None:
        current = self._s.settings.load()
        targets = Targets(referral_to_seen=self.to_seen.value(),
                          seen_to_screened=current.targets.seen_to_screened,
                          referral_to_screened=self.to_screened.value())
        try:
            self._s.settings.save(WorkstationSettings(
                auto_lock_minutes=self.auto_lock.value(), targets=targets,
                sync_interval_minutes=self.sync_interval.value()))
        except (ValueError, PermissionError, StoreError) as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("Settings saved. Auto-lock applies from the next unlock.")

    def add_user(self) -> None:
        try:
            self._s.accounts.add_user(self.new_username.text().strip(),
                                      Role(self.new_role.currentData()),
                                      self.new_passphrase.text())
        except (ValueError, PermissionError, StoreError) as exc:
            self.message.setText(str(exc))
            return
        finally:
            self.new_passphrase.clear()
        self.message.setText(f"Added {self.new_username.text().strip()}.")
        self.new_username.clear()
        self.refresh_users()
