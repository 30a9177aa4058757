"""End of shift through the GUI against a real in-process server: Sync and hand over with
a receipt and a PDF, refusal and override with a reason, acknowledgement by the next shift,
a practitioner's own end of shift, and a conflict decided on the Conflicts page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pypdf import PdfReader
from PySide6.QtCore import Qt

from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.ui import operations
from ld_desktop.ui.handover.handover_page import HandoverPage
from ld_desktop.ui.pages.conflicts_page import ConflictsPage

if TYPE_CHECKING:
    from tests.integration.conftest import Station

NOON = datetime(2026, 11, 24, 12, 0)


def _referral(session: UserSession, family: str, crn: str) -> object:
    site = session.sites[0].id
    person = session.persons.register(PersonDraft("Shifty", family, date(1979, 3, 4)), site)
    return session.cases.new_referral(
        ReferralDraft(person.id, site, "custody-sergeant", "arrested", custody_record_number=crn))


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def _page(qtbot, station: Station, session: UserSession, pdf: Path) -> HandoverPage:  # type: ignore[no-untyped-def]
    page = HandoverPage(session, lambda s: SyncService(s, transport=station.server.transport),
                        lambda _parent, _name: pdf, now_local=NOON)
    qtbot.addWidget(page)
    _loaded(qtbot)
    return page


def _loaded(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The page's background loads (end of shift, previous handovers) are back."""
    qtbot.waitUntil(lambda: operations.in_flight() == 0, timeout=10_000)


def test_sync_and_hand_over_pushes_everything_and_prints_the_receipt(  # type: ignore[no-untyped-def]
        qtbot, make_stations, tmp_path: Path) -> None:
    [a] = make_stations("a")
    for n in range(3):
        _referral(a.senior, f"Handoff{n}", f"HO/{n}")
    waiting = a.sync_service().status().pending_ops
    assert waiting > 0
    pdf = tmp_path / "handover.pdf"
    page = _page(qtbot, a, a.senior, pdf)
    panel = page.panel
    assert panel is not None
    assert f"Changes only on this workstation: {waiting}" in panel.waiting.text()
    custody = panel.tree.topLevelItem(0)
    assert custody.text(0) == "In custody or awaiting court (3)"
    panel.notes["general"].setPlainText("Cell 4 needs an appropriate adult at 08:00")
    panel.go_button.click()
    qtbot.waitUntil(lambda: panel.record is not None, timeout=20_000)
    qtbot.waitUntil(lambda: not panel.runner.running, timeout=20_000)
    record = panel.record
    assert record is not None
    assert record.complete
    receipt = record.sync_receipt
    assert receipt["pushed"] == waiting
    assert receipt["server_seq"] >= waiting
    assert receipt["ops_still_local_at_handover"] == 0
    # the handover record itself went up on the second, quick sync
    assert a.sync_service().status().pending_ops == 0
    text = _pdf_text(pdf)
    assert "Shift handover" in text
    assert f"Server sequence reached {receipt['server_seq']}" in text
    assert f"Changes sent {waiting}" in text
    assert "Cell 4 needs an appropriate adult at 08:00" in text
    assert "In custody or awaiting court (3)" in text
    assert "SHIFTY" in text.upper()
    assert "not yet on the server" not in text
    # the screen says what the receipt says (the second sync, carrying the handover record,
    # used to overwrite it with its own "1 sent, 1 received")
    message = panel.message.text()
    assert f"Synced: {receipt['pushed']} sent, {receipt['pulled']} received" in message
    assert "The handover itself is on the server." in message
    assert message.count(" sent, ") == 1


def test_refused_with_unsynced_work_then_handed_over_with_a_reason(  # type: ignore[no-untyped-def]
        qtbot, make_stations, tmp_path: Path) -> None:
    [a] = make_stations("a", enrol=False)
    _referral(a.senior, "Offline", "OF/1")
    pdf = tmp_path / "handover.pdf"
    page = _page(qtbot, a, a.senior, pdf)
    panel = page.panel
    assert panel is not None
    panel.go_button.click()
    qtbot.waitUntil(lambda: not panel.override.isHidden(), timeout=5_000)
    assert panel.record is None
    assert "not yet on the server" in panel.refusal.text()
    assert "not enrolled" in panel.message.text()
    panel.anyway_button.click()                     # no reason written: still refused
    assert panel.record is None
    assert "Write why" in panel.refusal.text()
    panel.reason.setPlainText("Network down in custody since 18:00")
    panel.anyway_button.click()
    qtbot.waitUntil(lambda: panel.record is not None and not panel.busy, timeout=5_000)
    record = panel.record
    assert record is not None
    assert record.incomplete_reason == "Network down in custody since 18:00"
    assert record.sync_receipt["ops_still_local_at_handover"] > 0
    text = _pdf_text(pdf)
    assert "completed with work not yet on the server: Network down in custody since 18:00" \
        in text
    assert "Server sequence reached not synced" in text


def test_next_shift_acknowledges_and_the_author_cannot(qtbot, make_stations,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    a, b = make_stations("a", "b")
    page = _page(qtbot, a, a.senior, tmp_path / "one.pdf")
    assert page.panel is not None
    page.panel.go_button.click()
    qtbot.waitUntil(lambda: page.panel is not None and page.panel.record is not None
                    and not page.panel.runner.running, timeout=20_000)
    page.history.refresh()
    _loaded(qtbot)
    assert page.history.records
    assert not page.history.acknowledge_button.isEnabled()     # the author's own handover
    # The next shift's senior on another workstation, after a sync.
    a.admin.accounts.add_user("senior2", Role.SENIOR, "second senior passphrase")
    b.admin.accounts.add_user("senior2", Role.SENIOR, "second senior passphrase")
    next_senior = b.workstation.unlock("senior2", "second senior passphrase")
    try:
        SyncService(next_senior, transport=b.server.transport).sync()
        theirs = _page(qtbot, b, next_senior, tmp_path / "two.pdf")
        assert [r.author for r in theirs.history.records] == ["senior1"]
        assert theirs.history.acknowledge_button.isEnabled()
        theirs.history.acknowledge_button.click()
        assert not theirs.history.acknowledge_button.isEnabled(), "off while it runs"
        qtbot.waitUntil(lambda: "Acknowledged" in theirs.message.text(), timeout=5_000)
        qtbot.waitUntil(lambda: theirs.history.records[0].acknowledged_by == ("senior2",),
                        timeout=5_000)
        assert not theirs.history.acknowledge_button.isEnabled()
        SyncService(next_senior, transport=b.server.transport).sync()
        a.sync()
        assert a.senior.handover.previous()[0].acknowledged_by == ("senior2",)
        theirs.history.save_button.click()
        assert "Acknowledged by senior2" in _pdf_text(tmp_path / "two.pdf")
    finally:
        next_senior.lock()


def test_practitioners_own_end_of_shift(qtbot, make_stations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    [a] = make_stations("a")
    a.admin.accounts.add_user("prac1", Role.PRACTITIONER, "practitioner passphrase")
    prac = a.workstation.unlock("prac1", "practitioner passphrase")
    try:
        case = _referral(prac, "Mine", "MI/1")
        prac.referrals.add_action(case.id, "Ring the GP surgery")  # type: ignore[attr-defined]
        page = _page(qtbot, a, prac, tmp_path / "x.pdf")
        assert page.panel is None                       # only seniors hand over the shift
        mine = page.mine
        texts = [mine.listing.item(i).text() for i in range(mine.listing.count())]
        assert "MINE, Shifty (MI/1): Ring the GP surgery" in texts   # person, custody number
        assert "not yet on the server: 0" not in mine.pending.text()
        mine.sync_button.click()
        qtbot.waitUntil(lambda: mine.message.text().startswith("Synced"), timeout=20_000)
        qtbot.waitUntil(lambda: mine.pending.text().endswith(": 0"), timeout=5_000)
        opened = []
        page.open_case.connect(opened.append)
        mine.listing.setCurrentRow(texts.index("MINE, Shifty (MI/1): Ring the GP surgery"))
        mine._activated()
        assert opened == [case.id]  # type: ignore[attr-defined]
    finally:
        prac.lock()


def test_conflict_from_two_workstations_decided_on_the_page(qtbot, make_stations) -> None:  # type: ignore[no-untyped-def]
    a, b = make_stations("a", "b")
    case = _referral(a.senior, "Clashing", "CL/1")
    a.sync()
    b.sync()
    a.senior.cases.update(case.id, {"urgency": "urgent"})  # type: ignore[attr-defined]
    b.senior.cases.update(case.id, {"urgency": "soon"})  # type: ignore[attr-defined]
    a.sync()
    b.sync()
    a.sync()
    page = ConflictsPage(a.senior)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=5_000)   # loaded off-thread
    page.list.setCurrentRow(0)
    urgent = next(b for b in page.choices.buttons() if "urgent" in b.text().lower())
    urgent.setChecked(True)
    page.reason.setText("Agreed with both practitioners")
    page.decide()
    qtbot.waitUntil(lambda: "Decision recorded" in page.message.text(), timeout=5_000)
    assert a.senior.conflicts.open() == []
    a.sync()
    b.sync()
    assert b.senior.conflicts.open() == []
    assert b.senior.cases.open(case.id).urgency == "urgent"  # type: ignore[attr-defined]


def test_handover_notes_survive_a_lock(qtbot, make_stations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    [a] = make_stations("a", enrol=False)
    page = _page(qtbot, a, a.senior, tmp_path / "h.pdf")
    assert page.panel is not None
    page.panel.notes["general"].setPlainText("Cell 2: interpreter booked for 09:00")
    page.panel.flush_drafts()                       # what the window does before a lock
    again = _page(qtbot, a, a.senior, tmp_path / "h.pdf")
    assert again.panel is not None
    assert again.panel.notes["general"].toPlainText() == "Cell 2: interpreter booked for 09:00"
    again.panel.reason.setPlainText("Not enrolled yet")
    again.panel.go_button.click()
    qtbot.waitUntil(lambda: not again.panel.override.isHidden(), timeout=5_000)
    again.panel.anyway_button.click()
    qtbot.waitUntil(lambda: again.panel.record is not None, timeout=5_000)
    _loaded(qtbot)
    assert again.panel.record.notes["general"] == "Cell 2: interpreter booked for 09:00"
    assert a.senior.drafts.load("handover-notes") is None           # handed over: draft gone


def test_cancelling_the_sync_keeps_everything_and_does_not_hand_over(  # type: ignore[no-untyped-def]
        qtbot, make_stations, tmp_path: Path) -> None:
    import threading

    import httpx

    [a] = make_stations("a")
    _referral(a.senior, "Cancelme", "CA/1")
    started, release = threading.Event(), threading.Event()

    class HeldTransport(httpx.BaseTransport):
        """Holds the first request until the test has pressed Cancel."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            started.set()
            release.wait(10)
            return a.server.transport.handle_request(request)

    page = HandoverPage(a.senior, lambda s: SyncService(s, transport=HeldTransport()),
                        lambda _parent, _name: tmp_path / "never.pdf", now_local=NOON)
    qtbot.addWidget(page)
    _loaded(qtbot)
    panel = page.panel
    assert panel is not None
    panel.go_button.click()
    qtbot.waitUntil(started.is_set, timeout=10_000)   # the enrolment check, then the sync
    assert not panel.progress.isHidden()
    assert panel.cancel_button.isEnabled()
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Escape)     # Esc cancels, as the button says
    release.set()
    qtbot.waitUntil(lambda: not panel.runner.running, timeout=20_000)
    assert panel.record is None                       # not handed over
    assert "did not finish" in panel.message.text()
    assert not panel.override.isHidden()              # again, or anyway with a reason
    assert "Sync cancelled, so nothing has been handed over" in panel.refusal.text()
    assert not (tmp_path / "never.pdf").exists()
    assert a.senior.handover.previous() == []
    names = [r.person_name for r in a.senior.cases.caseload()]
    assert any(n.startswith("CANCELME") for n in names)   # nothing lost here


def test_network_down_handed_over_anyway_then_a_complete_handover_once_it_is_back(  # type: ignore[no-untyped-def]
        qtbot, make_stations, tmp_path: Path, monkeypatch) -> None:
    import httpx

    from sync.client import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "delay", lambda _self, _attempt: 0.0)  # no waits here
    [a] = make_stations("a")
    _referral(a.senior, "Downtime", "DT/1")
    network = {"up": False}

    class Network(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if not network["up"]:
                raise httpx.ConnectError("network down", request=request)
            return a.server.transport.handle_request(request)

    page = HandoverPage(a.senior, lambda s: SyncService(s, transport=Network()),
                        lambda _parent, _name: tmp_path / "handover.pdf", now_local=NOON)
    qtbot.addWidget(page)
    _loaded(qtbot)
    panel = page.panel
    assert panel is not None
    panel.go_button.click()
    qtbot.waitUntil(lambda: not panel.override.isHidden(), timeout=20_000)
    assert panel.record is None
    assert "not yet on the server" in panel.refusal.text()
    panel.reason.setPlainText("Network down in custody")
    panel.anyway_button.click()
    qtbot.waitUntil(lambda: panel.record is not None and not panel.busy, timeout=5_000)
    first = panel.record
    assert first is not None
    assert not first.complete
    assert panel.phase == "idle"                # nothing to carry up while the network is down
    network["up"] = True
    panel.go_button.click()                     # the network is back: hand over properly
    qtbot.waitUntil(lambda: panel.record is not None and panel.phase == "idle",
                    timeout=20_000)
    second = panel.record
    assert second is not None
    assert second.id != first.id
    assert second.complete
    assert second.sync_receipt["pushed"] > 0
    assert second.sync_receipt["ops_still_local_at_handover"] == 0
    assert "The handover itself is on the server." in panel.message.text()
    assert a.sync_service().status().pending_ops == 0
    assert [r.complete for r in a.senior.handover.previous()] == [True, False]
    assert "Changes only on this workstation: 0" in panel.waiting.text()
    assert "Network down" not in _pdf_text(tmp_path / "handover.pdf")


def test_the_senior_can_set_the_shift_window(qtbot, make_stations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QDateTime

    [a] = make_stations("a", enrol=False)
    page = _page(qtbot, a, a.senior, tmp_path / "h.pdf")
    assert page.panel is not None
    assert page.shift() == (datetime(2026, 11, 24, 7), datetime(2026, 11, 24, 19))
    page.shift_end.setDateTime(QDateTime.fromString("2026-11-24T06:00", "yyyy-MM-ddTHH:mm"))
    assert "end after it starts" in page.message.text()
    assert page.panel.shift[1] == datetime(2026, 11, 24, 19)          # unchanged
    page.shift_end.setDateTime(QDateTime.fromString("2026-11-24T22:00", "yyyy-MM-ddTHH:mm"))
    assert page.message.text() == ""
    assert page.panel.shift == (datetime(2026, 11, 24, 7), datetime(2026, 11, 24, 22))
    _loaded(qtbot)
    assert page.panel.summary is not None
    assert page.panel.summary.shift_end == datetime(2026, 11, 24, 22).astimezone(UTC)
