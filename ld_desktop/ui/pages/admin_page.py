"""Administration: workstation settings (auto-lock, sync interval, pathway targets), the
users who may unlock this workstation, and the keys (removing a user re-keys the database;
"Rotate keys" after a suspected compromise). Administrators only."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
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
)

from ld_desktop.domain.roles import Role
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.domain.targets import Targets
from ld_desktop.services import kept_recovery_code
from ld_desktop.services.accounts import Progress, RotationResult
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.service_authority import AuthorityService, TrustedRoot
from ld_desktop.services.session import UserSession
from ld_desktop.services.settings import WorkstationSettings
from ld_desktop.services.views import Changes, StaffView
from ld_desktop.ui.operations import LatestOnly, Operation, show_failure
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.pages.key_rotation import (
    RekeyDialog,
    confirm,
    describe,
    run_rotation,
    show_recovery_code,
)


def _spin(name: str, low: int, high: int, value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setAccessibleName(name)
    return box


class AdminPage(PageWidget):
    title = "Administration"

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self._latest = LatestOnly(self)          # the users list
        self._settings_load = LatestOnly(self)   # the settings shown in the form
        self._settings: WorkstationSettings | None = None
        self.rekey: RekeyDialog | None = None    # the re-key running, if any
        current = WorkstationSettings()          # shown until the saved ones are back
        title = QLabel(self.title)
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
        self.save_button.setEnabled(False)      # until the saved settings are loaded
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
        self.add_button = add = QPushButton("Add user (they type their passphrase)")
        add.clicked.connect(self.add_user)
        self.new_passphrase.returnPressed.connect(self.add_user)
        self.clinical_hint = QLabel("")
        self.clinical_hint.setWordWrap(True)
        self.remove_button = QPushButton("Re&move selected user…")
        self.remove_button.clicked.connect(self.remove_user)
        self.rotate_button = QPushButton("Rotate &keys…")
        self.rotate_button.clicked.connect(self.rotate_keys)
        self.keys_note = QLabel("")
        self.keys_note.setWordWrap(True)
        users_box = QGroupBox("Users (key slots on this workstation)")
        users_form = QFormLayout(users_box)
        users_form.addRow(self.users)
        users_form.addRow("&Username", self.new_username)
        users_form.addRow("R&ole", self.new_role)
        users_form.addRow("&Passphrase", self.new_passphrase)
        users_form.addRow(add)
        users_form.addRow(self.clinical_hint)
        users_form.addRow(self.remove_button)
        keys_box = QGroupBox("Keys")
        keys_layout = QVBoxLayout(keys_box)
        keys_layout.addWidget(QLabel(
            "Rotate the keys if a key file, a backup or a passphrase may have been copied: the "
            "database is re-encrypted and every user's key slot re-sealed. Nobody needs to "
            "type their passphrase again."))
        keys_layout.addWidget(self.keys_note)
        keys_layout.addWidget(self.rotate_button)
        self.trusted_root = QLabel("")   # the first administrator's key this workstation trusts
        self.trusted_root.setWordWrap(True)
        self.trusted_root.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        keys_layout.addWidget(self.trusted_root)
        self._root_load = LatestOnly(self)
        self._root_load.run(AuthorityService(session).trusted_root, self._show_root,
                            doing="reading the trusted first administrator")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(settings_box)
        layout.addWidget(users_box)
        layout.addWidget(keys_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        settings = session.settings
        self._settings_load.run(settings.load, self._show_settings, self._settings_failed,
                                doing="loading the workstation settings")
        self.refresh_users()

    def _show_settings(self, current: WorkstationSettings) -> None:
        self._settings = current
        self.auto_lock.setValue(current.auto_lock_minutes)
        self.sync_interval.setValue(current.sync_interval_minutes)
        self.to_seen.setValue(current.targets.referral_to_seen)
        self.to_screened.setValue(current.targets.referral_to_screened)
        self.save_button.setEnabled(True)

    def _show_root(self, root: TrustedRoot | None) -> None:
        self.trusted_root.setText(
            "No first administrator is trusted yet: the workstation pins the server's at its "
            "first sync." if root is None else
            f"This workstation trusts {root.username}'s key as the service's first "
            f"administrator. Fingerprint: {root.fingerprint} (compare it with "
            "'ld-sync-server authority' on the server).")

    def _settings_failed(self, exc: Exception) -> None:
        self.message.setText(f"The settings could not be loaded: {exc}")

    def refresh_users(self) -> None:
        """Load the users off the GUI thread; a newer load supersedes an older one, and
        nothing is shown after a lock."""
        accounts = self._s.accounts
        self._latest.run(lambda: (accounts.list_users(), accounts.unmigrated_users()),
                         self._show_users, self._users_failed, doing="loading the users")

    def _users_failed(self, exc: Exception) -> None:
        self.clinical_hint.setText(f"The users could not be loaded: {exc}")

    def _show_users(self, result: tuple[list[StaffView], list[str]]) -> None:
        members, waiting = result
        self.users.clear()
        for member in members:
            state = "" if member.active else " (removed)"
            self.users.addItem(f"{member.username} · {member.role.label}{state}")
            self.users.item(self.users.count() - 1).setData(
                Qt.ItemDataRole.UserRole, member.username if member.active else None)
        clinical = [m for m in members if m.active and m.role in (Role.PRACTITIONER, Role.SENIOR)]
        self.clinical_hint.setText(
            "" if clinical else "No practitioner or senior account yet: clinical work needs "
                                "one (administrators manage the workstation, not people's "
                                "records). Add one above.")
        self.keys_note.setText(
            "Not yet unlocked since the upgrade (a rotation would remove their key slots): "
            + ", ".join(waiting) if waiting else "")
        self.keys_note.setVisible(bool(waiting))

    def remove_user(self) -> None:
        item = self.users.currentItem()
        username = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not username:
            self.message.setText("Select a current user to remove.")
            return
        if not confirm(self, "Remove user",
                       f"Remove {username}? They will no longer be able to unlock this "
                       "workstation, and the database is re-encrypted with a new key."):
            return
        accounts = self._s.accounts
        self.rekey = run_rotation(
            self, "Removing user",
            self._keeping_the_code(lambda progress: accounts.remove_user(username, progress)),
            lambda outcome: self._show(outcome, f"Removed {username}."))

    def rotate_keys(self) -> None:
        if not confirm(self, "Rotate keys",
                       "Re-encrypt the database and re-seal every key slot with a new key? "
                       "This can take a minute on a large store."):
            return
        self.rekey = run_rotation(self, "Rotating keys",
                                  self._keeping_the_code(self._s.accounts.rotate_keys),
                                  lambda outcome: self._show(outcome, "Keys rotated."))

    def _keeping_the_code(self, work: Callable[[Progress], RotationResult]
                          ) -> Callable[[Progress], RotationResult]:
        """A new recovery code is sealed and kept on the worker, with the key, before the
        result comes back: a lock meanwhile drops the result, and the code is shown to this
        administrator after their next unlock instead (``services.kept_recovery_code``)."""
        session = self._s

        def run(progress: Progress) -> RotationResult:
            result = work(progress)
            if result.recovery_code:
                kept_recovery_code.keep(session, result.recovery_code)
            return result
        return run

    def _show(self, outcome: object, done: str) -> None:
        if isinstance(outcome, str):
            self.message.setText(outcome)
        else:
            assert isinstance(outcome, RotationResult)
            self.message.setText(f"{done} {describe(outcome)}")
            if outcome.recovery_code:
                kept_recovery_code.shown()
                show_recovery_code(self, outcome.recovery_code)
        self.refresh_users()

    def _write(self, button: QPushButton, work: Callable[[], object],
               done: Callable[[object], None], doing: str) -> None:
        """An account or settings change as an operation owned by the page: ``button`` is
        off while it runs; a refusal is shown in place with what was typed kept; other
        failures go to the default display."""
        button.setEnabled(False)
        self.message.setText("Saving…")

        def succeeded(result: object) -> None:
            button.setEnabled(True)
            done(result)

        def refused(exc: Exception) -> None:
            button.setEnabled(True)
            if is_refusal(exc):
                self.message.setText(str(exc))
                return
            self.message.setText("")
            show_failure(self, exc, doing)

        Operation(self, work, doing=doing).success(succeeded).failure(refused).run(at_once=True)

    def save(self) -> None:
        current = self._settings
        if current is None:
            return   # the saved settings are not loaded yet (the button is off)
        targets = Targets(referral_to_seen=self.to_seen.value(),
                          seen_to_screened=current.targets.seen_to_screened,
                          referral_to_screened=self.to_screened.value())
        chosen = WorkstationSettings(auto_lock_minutes=self.auto_lock.value(), targets=targets,
                                     sync_interval_minutes=self.sync_interval.value())
        settings = self._s.settings

        def saved(_result: object) -> None:
            self._settings = chosen
            self.message.setText("Settings saved. Auto-lock applies from the next unlock.")

        self._write(self.save_button, lambda: settings.save(chosen), saved,
                    "saving the settings")

    def add_user(self) -> None:
        if not self.add_button.isEnabled():
            return   # Enter pressed again while the last one is being added
        accounts, username = self._s.accounts, self.new_username.text().strip()
        role, passphrase = Role(self.new_role.currentData()), self.new_passphrase.text()
        self.new_passphrase.clear()   # a passphrase is never kept in the form

        def added(_result: object) -> None:
            self.message.setText(f"Added {username}.")
            self.new_username.clear()
            self.refresh_users()

        self._write(self.add_button, lambda: accounts.add_user(username, role, passphrase),
                    added, "adding the user")

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(SyncedEntity.STAFF):
            self.refresh_users()

    def close_for_lock(self) -> None:
        self._latest.cancel()
        self._settings_load.cancel()
