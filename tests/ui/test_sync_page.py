"""The Sync page against a real in-process server: enrol, sync with progress, status."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.service_authority import AuthorityService
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.pages.sync_page import SyncPage
from sync.client import SyncProgress, SyncReport
from sync.server.app import create_app
from sync.server.authority import issue_admin_code
from sync.server.database import make_engine
from sync.server.registry import issue_enrol_code
from sync.server.settings import ServerSettings
from tests.helpers.settle import operations_idle

ADMIN = ("admin1", "admin passphrase for tests")


def test_enrol_then_sync_from_the_page(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch,
                                       asgi_bridge_class: type) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    settings = ServerSettings.for_data_dir(tmp_path / "server")
    bridge = asgi_bridge_class(create_app(settings))
    engine = make_engine(settings.database_url)
    code = issue_enrol_code(engine, ["Northgate Custody Suite"])
    engine.dispose()
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user("prac1", Role.PRACTITIONER, "practitioner pebble phrase")
    from ld_desktop.services.demo_data import seed_demo_cases

    seed_demo_cases(admin, 5)
    try:
        page = SyncPage(admin, lambda s: SyncService(s, transport=bridge))
        qtbot.addWidget(page)
        assert not page.sync_button.isEnabled()
        qtbot.waitUntil(lambda: "Not enrolled" in page.state.text(), timeout=5_000)
        assert not page.sync_button.isEnabled()
        page.server.setText("http://127.0.0.1:9")
        page.code.setText(code)
        page.enrol()
        qtbot.waitUntil(lambda: page.message.text() == "Enrolled.", timeout=10_000)
        qtbot.waitUntil(page.sync_button.isEnabled, timeout=5_000)   # the status reread
        # the first administrator registers with the server's admin code (ld-admin authority),
        # without which the server refuses every staff and site change
        engine = make_engine(settings.database_url)
        admin_code = issue_admin_code(engine)
        engine.dispose()
        AuthorityService(admin, transport=bridge).register_first_admin(admin_code)
        page.sync_now()
        assert not page.progress.isHidden() or page.message.text().startswith("Done")
        qtbot.waitUntil(lambda: page.message.text().startswith("Done"), timeout=20_000)
        qtbot.waitUntil(lambda: "Changes waiting to go up: 0" in page.details.text(),
                        timeout=5_000)
    finally:
        admin.lock()
        bridge.shutdown()


def test_a_sync_page_deleted_mid_sync_cancels_the_sync_and_nothing_raises(  # type: ignore[no-untyped-def]
        qtbot, one_site_senior: UserSession) -> None:
    """The page's SyncRunner goes with the page: the sync is told to stop, its progress and
    result reach nobody (no "Signal source has been deleted", no deleted progress bar)."""
    started, finished = threading.Event(), threading.Event()
    seen_by_the_sync: list[object] = []

    class SlowSync(SyncService):
        def sync(self, *, progress: Callable[[SyncProgress], None] | None = None,
                 cancel: threading.Event | None = None) -> SyncReport:
            assert progress is not None
            assert cancel is not None
            progress(SyncProgress("push", 0, 0))
            started.set()
            seen_by_the_sync.append(("cancelled", cancel.wait(5)))
            try:
                progress(SyncProgress("pull", 1, 0))   # the page has gone by now
            except BaseException as exc:
                seen_by_the_sync.append(exc)
            finished.set()
            return SyncReport(1, 0, 0, 0, 0, 0, 0)

    page = SyncPage(one_site_senior, SlowSync)
    page.sync_now()
    qtbot.waitUntil(started.is_set, timeout=5_000)
    qtbot.waitUntil(lambda: page.message.text().startswith("push"), timeout=5_000)
    gone: list[bool] = []
    # (not qtbot.waitSignal: pytest-qt's disconnect from ``destroyed`` inside its own
    # emission fails in PySide6 once the page's load operations also listen to it)
    page.destroyed.connect(lambda *_: gone.append(True))
    page.deleteLater()
    qtbot.waitUntil(lambda: bool(gone), timeout=5_000)
    qtbot.waitUntil(finished.is_set, timeout=10_000)
    operations_idle(qtbot)   # back and dropped; anything it queued is handled now
    assert seen_by_the_sync == [("cancelled", True)]
