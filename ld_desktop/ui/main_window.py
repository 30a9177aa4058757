"""The main window: the unlock screen until someone unlocks, then navigation, pages and a
status bar. Locking (Ctrl+L or idle) drops every page and the session: nothing stays on screen."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.roles import Permission
from ld_desktop.ui.display_settings import DisplayMenu, load_prefs
from ld_desktop.ui.enter_keys import EnterPressesButtons
from ld_desktop.ui.idle import IdleWatcher
from ld_desktop.ui.lock_key import LockKeyInDialogs
from ld_desktop.ui.lock_sweep import ClipboardWatch, close_windows_for_lock, restore_window_draft
from ld_desktop.ui.unlock_page import UnlockPage

if TYPE_CHECKING:
    from ld_desktop.services.background_sync import BackgroundSync, SyncOutcome
    from ld_desktop.services.session import UserSession
    from ld_desktop.services.settings import WorkstationSettings
    from ld_desktop.services.sync_service import SyncService, SyncStatus
    from ld_desktop.services.views import Changes
    from ld_desktop.services.workstation import Workstation
    from ld_desktop.ui.operations import LatestOnly
    from ld_desktop.ui.page import PageWidget
    from ld_desktop.ui.places import Place

# Pages (the registry ``ui/places.py``), services and the database layer are imported after
# unlocking (or preloaded in the background by ``preload``), so the unlock window appears
# quickly.


class _ChangeRelay(QObject):
    """Service change notices and sync outcomes may come from any thread; re-emit them on
    the GUI thread."""

    changed = Signal(object)
    synced = Signal(object)


class MainWindow(QMainWindow):
    session_started = Signal(object)   # the UserSession, once its pages are built
    session_locked = Signal()          # after the key is gone and the pages are deleted

    def __init__(self, workstation: Workstation, *, demo_hint: str | None = None,
                 banner: str | None = None,
                 sync_service_factory: Callable[[UserSession], SyncService] | None = None
                 ) -> None:
        super().__init__()
        self._sync_service_factory = sync_service_factory
        self.setWindowTitle("L&D Desktop")
        self.resize(1280, 800)
        self.workstation = workstation
        self.session: UserSession | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._relay = _ChangeRelay()
        self._relay.changed.connect(self._on_changes)
        self._relay.synced.connect(self._on_sync_outcome)
        self.background: BackgroundSync | None = None
        self.online: bool | None = None
        self.unlock_page = UnlockPage(workstation, demo_hint, prepare=opening_reads)
        self.unlock_page.unlocked.connect(self.start_session)
        self._status_load: LatestOnly | None = None   # the status bar's sync status
        self.root = QStackedWidget()
        self.root.addWidget(self.unlock_page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        if banner:
            strip = QLabel(banner)
            strip.setObjectName("banner")
            strip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(strip)
        layout.addWidget(self.root)
        self.setCentralWidget(central)
        self.idle = IdleWatcher(5)
        self.idle.idle.connect(lambda: self.lock("idle"))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
            app.installEventFilter(EnterPressesButtons(self))
            app.installEventFilter(LockKeyInDialogs(self, lambda: self.lock("on demand")))
        lock = QShortcut(QKeySequence("Ctrl+L"), self)
        lock.activated.connect(lambda: self.lock("on demand"))
        self.status_user = QLabel("Locked")
        self.status_sync = QLabel("")
        self.statusBar().addWidget(self.status_user)
        self.statusBar().addPermanentWidget(self.status_sync)
        self.shell: QWidget | None = None
        self.page_by_name: dict[str, PageWidget] = {}   # the places built so far
        self.detail: PageWidget | None = None          # the case or person on show
        self.clipboard_watch = ClipboardWatch(QApplication.clipboard())
        self.display = DisplayMenu(self.menuBar().addMenu("&View"), workstation.data_dir,
                                   load_prefs(workstation.data_dir))

    # ------------------------------------------------------------------ session
    def start_session(self, session: UserSession, opening: Opening | None = None) -> None:
        """Show the session's places. ``opening`` is what ``opening_reads`` read (the
        settings and the sync status): the unlock window reads it on the unlock's own
        worker, so a wipe left due (a crash cut it short) is finished before any page is
        built, and auto-lock has its minutes from the first paint. A caller without it (a
        test, the screenshot tool) gets it read by an operation owned by the window."""
        from ld_desktop.ui.operations import LatestOnly, Operation

        self.session = session
        self._status_load = LatestOnly(self)
        self.idle.start()
        self._unsubscribe = session.bus.subscribe(self._relay.changed.emit)
        if opening is not None and opening[1].wipe_due:
            self._opened(opening)   # finishes the wipe: nothing is shown
            return
        self.shell = self._build_shell(session)
        self.root.addWidget(self.shell)
        self.root.setCurrentWidget(self.shell)
        self._update_status(opening[1] if opening is not None else None, read=False)
        if opening is not None:
            self._opened(opening)
        else:
            Operation(self, lambda: opening_reads(session), doing="opening the session") \
                .success(self._opened).run()
        self._show_kept_recovery_code(session)
        self.session_started.emit(session)

    def _show_kept_recovery_code(self, session: UserSession) -> None:
        """A recovery code a lock kept from its administrator (a re-key the lock waited
        for): shown once, now that the same administrator has unlocked."""
        from ld_desktop.services import kept_recovery_code

        code = kept_recovery_code.take_for(session)
        if code is not None:
            from ld_desktop.ui.pages.key_rotation import recovery_code_box

            self.kept_code_box = recovery_code_box(self, code, after_lock=True)
            self.kept_code_box.open()

    def _opened(self, opening: Opening) -> None:
        """The settings and the sync status are read: auto-lock, the status bar, a wipe
        left due, background sync."""
        settings, status = opening
        session = self.session
        if session is None:
            return
        self.idle.set_minutes(settings.auto_lock_minutes)
        if self.idle.timer.isActive():
            self.idle.start()
        self._show_status(status)
        if status.wipe_due:   # revoked, and the wipe was cut short (a crash): finish it now
            self._wipe_revoked()
            return
        if status.enrolled and not status.revoked:
            from ld_desktop.services.background_sync import BackgroundSync
            from ld_desktop.services.sync_service import SyncService

            minutes = settings.sync_interval_minutes
            self.background = BackgroundSync(session, minutes * 60, self._relay.synced.emit,
                                             service_factory=self._sync_service_factory
                                             or SyncService)
            self.background.start()

    def lock(self, reason: str) -> None:
        """Hide every piece of data, drop the pages and the key."""
        if self.session is None:
            return
        username = self.session.user.username
        pages = self._open_pages()
        for page in pages:   # save what is half done (a screening) before the key goes
            page.flush_drafts()
        # Nothing stays on screen: every window and dialog (parented or not, open() or
        # exec()), innermost first, keeping what was typed as the user's draft.
        close_windows_for_lock(self, self.session.drafts)
        for page in pages:   # no timer of theirs starts new work from here on
            page.close_for_lock()
        self.clipboard_watch.clear_if_ours()
        if self.background is not None:
            self.background.stop()
            self.background = None
        if self._unsubscribe:
            self._unsubscribe()
        if self._status_load is not None:
            self._status_load.cancel()
        # queued work is dropped, running work finishes with the key still there, and no
        # result reaches a page after this point
        from ld_desktop.ui.operations import settle_for_lock

        settle_for_lock()
        self.session.lock(reason)
        self.session = None
        self.idle.stop()
        if self.shell is not None:
            self.root.removeWidget(self.shell)
            self.shell.deleteLater()
            self.shell = None
        self.page_by_name = {}
        self.detail = None
        self.root.setCurrentWidget(self.unlock_page)
        self.unlock_page.refresh_usernames(preselect=username)
        self.status_user.setText("Locked")
        self.status_sync.setText("")
        self.session_locked.emit()

    # ------------------------------------------------------------------ shell
    def _build_shell(self, session: UserSession) -> QWidget:
        shell = QWidget()
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Navigation")
        self.nav.setFixedWidth(190)
        self.pages = QStackedWidget()
        self.page_by_name = {}
        self.detail = None
        from ld_desktop.ui.places import visible_places

        self.places: list[Place] = visible_places(session)
        self.place_names: list[str] = [place.name for place in self.places]
        for place in self.places:
            self.nav.addItem(place.name)
            item = self.nav.item(self.nav.count() - 1)
            item.setToolTip(f"{place.name} ({place.shortcut})")
            QShortcut(QKeySequence(place.shortcut), shell).activated.connect(
                lambda name=place.name: self.show_page(name))
        # Pages are built when first shown: unlocking costs only the home page's query.
        self.nav.currentRowChanged.connect(self._show_place)
        self.nav.setCurrentRow(0)
        side = QVBoxLayout()
        side.addWidget(self.nav)
        if session.can(Permission.EDIT_RECORDS):
            new = QPushButton("New referral (Ctrl+N)")
            new.setAccessibleName("New referral")
            new.clicked.connect(self.new_referral)
            QShortcut(QKeySequence("Ctrl+N"), shell).activated.connect(self.new_referral)
            side.addWidget(new)
        QShortcut(QKeySequence("Alt+Left"), shell).activated.connect(self.go_back)
        from ld_desktop.domain.unlock_backoff import failed_attempts_notice

        notice = failed_attempts_notice(session.failed_attempts)
        self.failed_notice: QLabel | None = None
        if notice:   # attempts at this username since its last unlock (also in the audit)
            self.failed_notice = QLabel(notice)
            self.failed_notice.setObjectName("error")
            self.failed_notice.setWordWrap(True)
            self.failed_notice.setAccessibleName("Failed unlock attempts")
            side.addWidget(self.failed_notice)
        lock = QPushButton("Lock (Ctrl+L)")
        lock.setAccessibleName("Lock the workstation")
        lock.clicked.connect(lambda: self.lock("on demand"))
        side.addWidget(lock)
        layout = QHBoxLayout(shell)
        layout.addLayout(side)
        layout.addWidget(self.pages, 1)
        return shell

    def _connect(self, page: PageWidget) -> PageWidget:
        page.open_case.connect(self.open_case)
        page.open_person.connect(self.open_person)
        return page

    def _open_pages(self) -> list[PageWidget]:
        """The places built so far, and the case or person on show."""
        return list(self.page_by_name.values()) + ([self.detail] if self.detail else [])

    def _show_place(self, row: int) -> None:
        if self.session is None or not 0 <= row < len(self.places):
            return
        place = self.places[row]
        page = self.page_by_name.get(place.name)
        if page is None:
            from ld_desktop.services.sync_service import SyncService
            from ld_desktop.ui.places import PageContext

            context = PageContext(self.session, self._sync_service_factory or SyncService)
            page = self._connect(place.factory(context))
            self.page_by_name[place.name] = page
            self.pages.addWidget(page)
        self._close_detail()
        self.pages.setCurrentWidget(page)

    def page(self, name: str) -> PageWidget:
        """The named place's page, built if needed (and shown)."""
        self.show_page(name)
        return self.page_by_name[name]

    def show_page(self, name: str) -> None:
        row = self.place_names.index(name)
        if row == self.nav.currentRow():   # no row change to signal: leave a record on show
            self._show_place(row)
        self.nav.setCurrentRow(row)

    def _close_detail(self) -> None:
        """Leave the case or person on show (one at a time), keeping its drafts."""
        if self.detail is not None:
            self.detail.flush_drafts()
            self.pages.removeWidget(self.detail)
            self.detail.deleteLater()
            self.detail = None

    def _show_detail(self, page: PageWidget) -> None:
        self._close_detail()
        self.detail = self._connect(page)
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)
        self.nav.clearSelection()

    def open_case(self, case_id: uuid.UUID) -> None:
        if self.session is not None:
            from ld_desktop.ui.places import case_page

            self._show_detail(case_page(self.session, case_id))

    def open_person(self, person_id: uuid.UUID) -> None:
        if self.session is not None:
            from ld_desktop.ui.places import person_page

            self._show_detail(person_page(self.session, person_id))

    # ------------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Backspace that nothing under the focus took (so not in a text field) goes back
        from a record; so does Alt+Left (a shortcut)."""
        if (event.key() == Qt.Key.Key_Backspace
                and event.modifiers() == Qt.KeyboardModifier.NoModifier and self.go_back()):
            return
        super().keyPressEvent(event)

    def go_back(self) -> bool:
        """From a case or person back to the place it was opened from."""
        if self.session is None or self.shell is None:
            return False
        if self.detail is None:
            return False
        row = self.nav.currentRow()
        self._show_place(row if row >= 0 else 0)
        self.nav.setCurrentRow(row if row >= 0 else 0)
        return True

    def new_referral(self) -> None:
        if self.session is None:
            return
        from ld_desktop.ui.new_referral import NewReferralDialog

        dialog = NewReferralDialog(self.session, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        restore_window_draft(dialog, self.session.drafts)   # what a lock kept from last time

        def filed() -> None:
            if dialog.created is not None and self.session is not None:
                self.open_case(dialog.created.id)

        dialog.accepted.connect(filed)
        dialog.open()

    # ------------------------------------------------------------------ changes
    def _on_changes(self, changes: Changes) -> None:
        if self.session is None or self.shell is None:
            return
        for page in self._open_pages():
            page.on_changes(changes)
        self._update_status()

    def _on_sync_outcome(self, outcome: SyncOutcome) -> None:
        self.online = outcome.online
        self._update_status()

    def _wipe_revoked(self) -> None:
        """The server revoked this workstation: close everything, destroy the store (key
        slots first), and say what happened."""
        if self.session is None:
            return
        import logging

        from ld_desktop.services.wipe import REVOKED, wipe_workstation

        logging.getLogger(__name__).warning(
            "this workstation was revoked by the sync server: closing and wiping")
        self.lock("revoked by the sync server")
        for widget in QApplication.topLevelWidgets():   # every other window goes too
            if widget is not self and widget.isVisible():
                widget.close()
        self.show_wiped(wipe_workstation(self.workstation.data_dir, REVOKED))

    def show_wiped(self, notice: object) -> None:
        from ld_desktop.services.wipe import WipeNotice
        from ld_desktop.ui.wiped_page import WipedPage

        assert isinstance(notice, WipeNotice)
        self.wiped_page = WipedPage(notice)
        self.wiped_page.close_button.clicked.connect(self.close)
        self.root.addWidget(self.wiped_page)
        self.root.setCurrentWidget(self.wiped_page)
        self.root.removeWidget(self.unlock_page)   # nothing left to unlock
        self.unlock_page.deleteLater()
        self.status_user.setText("Wiped")
        self.status_sync.setText("revoked by the sync server · local data destroyed")

    def _update_status(self, status: SyncStatus | None = None, *, read: bool = True) -> None:
        """The status bar: who is unlocked, at once; the sync status as given, else read in
        the background (``read``; it counts the outbox: 300,000 unsynced changes at 100,000
        cases) and shown when it is back (a newer read supersedes an older one)."""
        session = self.session
        if session is None:
            return
        user = session.user
        sites = ", ".join(s.name for s in session.sites)
        where = sites if len(session.sites) == 1 else f"{len(session.sites)} sites"
        self.status_user.setText(f"{user.display_name} ({user.role.label}) · {where}")
        self.status_user.setToolTip(sites)
        if status is not None:
            self._show_status(status)
        elif read and self._status_load is not None:
            from ld_desktop.services.sync_service import SyncService

            factory = SyncService
            self._status_load.run(lambda: factory(session).status(), self._show_status,
                                  doing="reading the sync status")

    def _show_status(self, status: SyncStatus) -> None:
        if self.session is None:
            return
        if status.wipe_due:
            QTimer.singleShot(0, self._wipe_revoked)   # not inside the caller's handler
            self.status_sync.setText("REVOKED by the server · closing")
            return
        last = f"{status.last_sync_at:%d/%m %H:%M}" if status.last_sync_at else "never"
        if not status.enrolled:
            state = "offline (not enrolled)"
        elif status.revoked:
            state = "REVOKED by the server"
        else:
            state = {True: "online", False: "offline", None: "sync ready"}[self.online]
        conflicts = (f" · {status.open_conflicts} conflict(s) to decide"
                     if status.open_conflicts else "")
        self.status_sync.setText(f"{state} · {status.pending_ops} changes to sync{conflicts} · "
                                 f"last sync {last}")


Opening = tuple["WorkstationSettings", "SyncStatus"]


def opening_reads(session: UserSession) -> Opening:
    """What the window needs from the store before it shows a session: the workstation's
    settings (auto-lock, sync interval) and the sync status (a wipe left due, the status
    bar). Runs on a worker: the unlock's own, or an operation of the window."""
    from ld_desktop.services.sync_service import SyncService

    return session.settings.load(), SyncService(session).status()


def preload() -> None:
    """Import what unlocking will need while the unlock window waits for a passphrase (run on
    a background thread: module imports only, no widgets)."""
    import importlib

    for name in ("ld_desktop.ui.places", "ld_desktop.services.sync_service",
                 "ld_desktop.services.background_sync"):
        importlib.import_module(name)
