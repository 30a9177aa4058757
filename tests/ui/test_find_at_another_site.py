"""“Find at another site…” on the People page, driven by keyboard against a real in-process
server: a person registered at York is found by NHS number for a Leeds case, then shared
with Leeds, synced in, and the lookup is in the person's audit. Offline, it says so."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import sync.client.transport as transport
from ld_desktop.domain.roles import Role
from ld_desktop.services.demo_data import seed_demo_cases
from ld_desktop.services.person_lookup import LookupUnavailable, PersonLookupService
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.service_authority import AuthorityService
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.models import AuditEvent
from ld_desktop.ui.pages.people import PeoplePage
from sync.client import RetryPolicy
from sync.hlc import Timestamp
from sync.op_signing import attest
from sync.protocol import Op, OpKind, site_id_for
from sync.server.app import create_app
from sync.server.authority import issue_admin_code
from sync.server.push_store import push_ops
from sync.server.registry import issue_enrol_code
from sync.server.settings import ServerSettings
from tests.helpers.person_page import find_elsewhere_by_keys

ADMIN = ("admin1", "admin passphrase for tests")
YORK = str(site_id_for("York Custody"))
NHS = "9990001235"   # valid check digit; 999 numbers are never issued


def _york_person(engine: sa.Engine, admin_key: Any) -> uuid.UUID:
    """York's site (directory data: signed by the service's first administrator) and a
    person registered at York, pushed as York's workstation would."""
    person = uuid.uuid4()
    fields: dict[str, Any] = {
        "site_id": YORK, "given_name": "Testy", "family_name": "Fictional",
        "date_of_birth": "1990-01-02", "nhs_number": NHS, "aliases": [],
        "created_at": "2026-11-30T01:00:00+00:00"}
    site: dict[str, Any] = {"name": "York Custody", "kind": "custody", "core_hours": {}}
    now = int(time.time() * 1000)
    ops = []
    for seq, (entity, entity_id, values, user) in enumerate(
            [("site", uuid.UUID(YORK), site, ADMIN[0]),
             ("person", person, fields, "yorkprac")], start=1):
        op_id, hlc = uuid.uuid4(), Timestamp(now, seq, "york-pc").encode()
        if entity == "site":
            values = {**values, "attestation": attest(
                admin_key, signer=user, op_id=op_id, entity=entity, entity_id=entity_id,
                hlc=hlc, fields=values)}
        ops.append(Op(op_id=op_id, device_id="york-pc", device_seq=seq, hlc=hlc, user=user,
                      schema_version=1, entity=entity, entity_id=entity_id,
                      kind=OpKind.UPSERT, sites=[YORK], fields=values, base_versions={}))
    results = push_ops(engine, "york-pc", frozenset({YORK}), ops)
    assert [r.status.value for r in results] == ["applied", "applied"], results
    return person


@pytest.fixture
def leeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, asgi_bridge_class: type
          ) -> Any:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    app = create_app(ServerSettings.for_data_dir(tmp_path / "server"))
    bridge = asgi_bridge_class(app)
    engine = app.state.sync.engine
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Leeds Custody"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    admin.accounts.add_user("prac1", Role.PRACTITIONER, "practitioner pebble phrase",
                            site_ids=[site_id_for("Leeds Custody")])
    seed_demo_cases(admin, 6)          # some of them open
    SyncService(admin, transport=bridge).enrol("http://127.0.0.1:9",
                                               issue_enrol_code(engine, ["Leeds Custody"]))
    AuthorityService(admin, transport=bridge).register_first_admin(issue_admin_code(engine))
    SyncService(admin, transport=bridge).sync()     # the signed directory goes up
    person = _york_person(engine, admin.signing_key)
    admin.lock()
    practitioner = ws.unlock("prac1", "practitioner pebble phrase")
    yield practitioner, bridge, person
    practitioner.lock()
    bridge.shutdown()
    engine.dispose()


def _type(text: str) -> None:
    QTest.keyClicks(QApplication.focusWidget(), text)


def test_find_at_another_site_by_keyboard(qtbot, leeds) -> None:  # type: ignore[no-untyped-def]
    practitioner, bridge, person = leeds
    draft = PersonDraft(given_name="Testy", family_name="Fictional", nhs_number=NHS)
    assert practitioner.persons.possible_duplicates(draft) == []
    page = PeoplePage(practitioner, lambda s: PersonLookupService(s, transport=bridge))
    qtbot.addWidget(page)
    page.show()
    seen: dict[str, str] = {}

    def steps(dialog: Any) -> None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.case,  # on the case
                        timeout=3_000)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        _type("says seen at York before")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is dialog.nhs_number
        _type("999 000 1235")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.message.text().startswith("Found"), timeout=20_000)
        seen["message"] = dialog.message.text()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

    seen.update(find_elsewhere_by_keys(qtbot, page, steps))
    assert "error" not in seen, seen
    assert "Fictional, Testy (02/01/1990)" in seen["message"]
    assert "possible match" in seen["message"]
    # on this workstation now: the intake's duplicate check offers the person
    draft = PersonDraft(given_name="Testy", family_name="Fictional", nhs_number=NHS)
    assert [p.id for p in practitioner.persons.possible_duplicates(draft)] == [person]
    with practitioner.store.reading() as db:
        events = db.query(AuditEvent).filter(AuditEvent.action == "person-lookup").all()
    assert [(e.entity, e.entity_id, e.user) for e in events] == [("person", person, "prac1")]


def test_offline_lookup_says_so_and_changes_nothing(leeds) -> None:  # type: ignore[no-untyped-def]
    admin, _bridge, person = leeds

    def refuse(_request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no network")

    offline = PersonLookupService(admin, transport=httpx.MockTransport(refuse))
    case = offline.cases()[0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transport, "RetryPolicy", lambda: RetryPolicy(attempts=1, base_delay=0))
        with pytest.raises(LookupUnavailable, match="cannot be reached"):
            offline.find(case, "seen before", nhs_number=NHS)
    with admin.store.reading() as db:
        assert db.query(AuditEvent).filter(AuditEvent.action == "person-lookup").count() == 0
    assert not any(p.id == person for p in admin.persons.search("Fictional", 10))
