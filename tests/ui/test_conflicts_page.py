"""The Conflicts page: a clash pulled from the server is shown with both values; the senior's
choice (with a reason) becomes a synced resolve op and updates the record here."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.store.models import OutboxOp
from ld_desktop.store.replica import StoreReplica
from ld_desktop.ui.pages.conflicts_page import ConflictsPage
from sync.protocol import ConflictState, ConflictValue, PullResponse


def test_senior_decides_a_pulled_conflict(qtbot, one_site_senior) -> None:  # type: ignore[no-untyped-def]
    senior = one_site_senior
    site = senior.site_ids[0]
    person = senior.persons.register(PersonDraft("Clash", "Testington", date(1980, 1, 1)), site)
    case = senior.cases.new_referral(ReferralDraft(person.id, site, "self", "court"))
    values = [ConflictValue(value="urgent", op_id=uuid.uuid4(), device_id="ws-a", user="amy",
                            hlc="001732400000000-00000-ws-a"),
              ConflictValue(value="soon", op_id=uuid.uuid4(), device_id="ws-b", user="bo",
                            hlc="001732400001000-00000-ws-b")]
    conflict = ConflictState(conflict_id=uuid.uuid4(), seq=5, entity="case",
                             entity_id=case.id, field="urgency", values=values, current="soon")
    StoreReplica(senior.store, "dev", "senior1").apply_pull(PullResponse(
        records=[], conflicts=[conflict], next_cursor=5, has_more=False,
        server_hlc="001732400002000-00000-server"))

    page = ConflictsPage(senior)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.summary.text() == "1 waiting for a decision", timeout=5_000)
    assert page.choices.buttons()[0].text().startswith("'urgent'  (by amy on ws-a")
    page.choices.button(0).setChecked(True)
    page.decide()
    assert not page.decide_button.isEnabled(), "the button stays off while it runs"
    # the service's refusal is shown in place, with the choice kept
    qtbot.waitUntil(lambda: "Give the reason" in page.message.text(), timeout=5_000)
    assert page.decide_button.isEnabled()
    assert page.choices.checkedId() == 0
    page.reason.setText("Checked with both practitioners")
    page.decide()
    qtbot.waitUntil(lambda: page.summary.text() == "0 waiting for a decision", timeout=5_000)
    assert page.reason.text() == ""
    assert senior.cases.open(case.id).urgency == "urgent"
    with senior.store.reading() as db:
        kinds = [op.kind for op in db.query(OutboxOp).all()]
    assert "resolve" in kinds


def test_conflict_names_devices_and_shows_local_time_to_the_minute(qtbot, one_site_senior  # type: ignore[no-untyped-def]
                                                                   ) -> None:
    """Devices were shown by UUID and a time value as raw ISO with microseconds."""
    senior = one_site_senior
    site = senior.site_ids[0]
    person = senior.persons.register(PersonDraft("Clash", "Timeington", date(1980, 1, 1)), site)
    case = senior.cases.new_referral(ReferralDraft(person.id, site, "self", "court"))
    other_device = str(uuid.uuid4())
    seen_a = datetime(2026, 11, 24, 9, 14, 3, 123456, tzinfo=UTC)
    seen_b = datetime(2026, 11, 24, 9, 44, 59, 654321, tzinfo=UTC)
    values = [ConflictValue(value=seen_a.isoformat(), op_id=uuid.uuid4(),
                            device_id=str(senior.device_id), user="senior1",
                            hlc="001732400000000-00000-a"),
              ConflictValue(value=seen_b.isoformat(), op_id=uuid.uuid4(),
                            device_id=other_device, user="amy", hlc="001732400001000-00000-b")]
    conflict = ConflictState(conflict_id=uuid.uuid4(), seq=5, entity="case",
                             entity_id=case.id, field="seen_at", values=values,
                             current=seen_b.isoformat())
    StoreReplica(senior.store, "dev", "senior1").apply_pull(PullResponse(
        records=[], conflicts=[conflict], next_cursor=5, has_more=False,
        server_hlc="001732400002000-00000-server"))
    page = ConflictsPage(senior)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: len(page.choices.buttons()) == 2, timeout=5_000)
    texts = [b.text() for b in page.choices.buttons()]
    mine, theirs = texts
    assert mine.startswith(f"{seen_a.astimezone():%d/%m/%Y %H:%M}  (by ")
    assert "on this workstation" in mine
    assert theirs.startswith(f"{seen_b.astimezone():%d/%m/%Y %H:%M}  (by amy on another "
                             f"workstation (…{other_device[-4:]})")
    everything = " ".join(texts)
    assert other_device not in everything
    assert str(senior.device_id) not in everything
    assert "123456" not in everything
    assert "T09:" not in everything
