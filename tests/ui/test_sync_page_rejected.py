"""A change the server refuses (here a date a buggy workstation wrote badly) is kept, listed
on the Sync page with the server's reason, and the rest of the work still syncs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from ld_desktop.domain.roles import Role
from ld_desktop.services.demo_data import seed_demo_cases
from ld_desktop.services.service_authority import AuthorityService
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.models import OutboxOp
from ld_desktop.ui.pages.sync_page import SyncPage
from sync.server.app import create_app
from sync.server.authority import issue_admin_code
from sync.server.registry import issue_enrol_code
from sync.server.settings import ServerSettings

ADMIN = ("admin1", "admin passphrase for tests")


def test_refused_changes_are_listed_with_the_reason_and_kept(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, asgi_bridge_class: type
) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    app = create_app(ServerSettings.for_data_dir(tmp_path / "server"))
    bridge = asgi_bridge_class(app)
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Leeds Custody"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user("prac1", Role.PRACTITIONER, "practitioner pebble phrase")
    seed_demo_cases(admin, 3)
    with admin.store.unit_of_work("admin1") as uow:        # a buggy version wrote this
        bad = uow.session.scalars(select(OutboxOp).where(OutboxOp.entity == "person")).first()
        assert bad is not None
        bad.fields = {**bad.fields, "date_of_birth": "not-a-date"}
        bad_seq = bad.device_seq
    try:
        service = lambda s: SyncService(s, transport=bridge)  # noqa: E731
        service(admin).enrol("http://127.0.0.1:9",
                             issue_enrol_code(app.state.sync.engine, ["Leeds Custody"]))
        # the service's first administrator, so the signed directory ops are accepted
        AuthorityService(admin, transport=bridge).register_first_admin(
            issue_admin_code(app.state.sync.engine))
        page = SyncPage(admin, service)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(page.sync_button.isEnabled, timeout=5_000)   # the status is read
        assert page.rejected.isHidden()
        page.sync_button.setFocus()
        qtbot.keyClick(page.sync_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: page.message.text().startswith("Done"), timeout=20_000)
        qtbot.waitUntil(lambda: not page.rejected.isHidden(), timeout=5_000)   # reread
        assert page.rejected.rowCount() == 1
        assert page.rejected.item(0, 1).text() == "person"
        assert "date_of_birth must be a date" in page.rejected.item(0, 3).text()
        assert "Changes waiting to go up: 1 (1 refused by the server, kept)" in \
            page.details.text()
        if os.environ.get("LD_SCREENSHOT_DIR"):          # docs/screenshots/sync-refused.png
            page.resize(900, 520)
            page.grab().save(str(Path(os.environ["LD_SCREENSHOT_DIR"]) / "sync-refused.png"))
        with admin.store.reading() as db:                  # kept, not lost
            assert db.get(OutboxOp, bad_seq) is not None
    finally:
        admin.lock()
        bridge.shutdown()
        app.state.sync.engine.dispose()
