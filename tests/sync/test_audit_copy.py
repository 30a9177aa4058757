"""The server's audit copy: each device's own chain, append-only; duplicates ignored, a
different event at a place already held kept apart as a fork; `audit-check` finds gaps,
broken links and forks per device, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sync_harness import FAST_RETRY, IN_PROCESS_URL, Harness

from sync.audit_wire import GENESIS_MAC, AuditRecord
from sync.client import DeviceCredentials, ServerRefused
from sync.client.audit_upload import fetch_audit_head, upload_audit
from sync.client.transport import SignedSession
from sync.server import cli
from sync.server import schema as t
from sync.server.audit_store import check_chains


def _chain(count: int, *, salt: str = "", start: int = 1, prev: str = GENESIS_MAC
           ) -> list[AuditRecord]:
    events = []
    for seq in range(start, start + count):
        mac = hashlib.sha256(f"{salt}{seq}{prev}".encode()).hexdigest()
        events.append(AuditRecord(seq=seq, event_id=uuid.uuid4(), at=datetime.now(UTC),
                                  prev_mac=prev, mac=mac,
                                  body={"user": "prac1", "action": "view", "entity": "case"}))
        prev = mac
    return events


class ListSource:
    def __init__(self, events: list[AuditRecord]) -> None:
        self.events = events

    def audit_events_after(self, seq: int, limit: int) -> list[AuditRecord]:
        return [e for e in self.events if e.seq > seq][:limit]


def _session(credentials: DeviceCredentials, harness: Harness) -> SignedSession:
    return SignedSession(credentials, IN_PROCESS_URL, transport=harness.bridge, retry=FAST_RETRY)


def _check(harness: Harness, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    url = harness.engine.url.render_as_string(hide_password=False)
    code = cli.main(["audit-check", "--database-url", url, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_chain_is_appended_once_and_checked_intact(
        harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    credentials = harness.enrol()
    events = _chain(1200)   # more than one push of 500
    with _session(credentials, harness) as session:
        assert upload_audit(session, ListSource(events[:700])) == (700, 700)
        # told where the copy ends (the last upload in this process), it asks nothing first
        assert upload_audit(session, ListSource(events), known_head=700) == (500, 1200)
        assert upload_audit(session, ListSource(events)) == (0, 1200)   # nothing new
    head = fetch_audit_head(credentials, transport=harness.bridge, retry=FAST_RETRY)
    assert (head.seq, head.mac) == (1200, events[-1].mac)
    code, report = _check(harness, capsys)
    assert code == 0
    assert [(r["device_id"], r["events"], r["intact"]) for r in report] == [
        (credentials.device_id, 1200, True)]


@pytest.mark.expect_log   # the fork is logged by the server
def test_a_cut_trail_that_grows_again_is_a_fork_and_the_copy_is_kept(
        harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    credentials = harness.enrol()
    original = _chain(10)
    with _session(credentials, harness) as session:
        upload_audit(session, ListSource(original))
        # the workstation's last 4 events were deleted; it went on recording from event 7
        regrown = original[:6] + _chain(6, salt="again", start=7, prev=original[5].mac)
        answer = session.call("POST", "/v1/audit", {"events": [
            e.model_dump(mode="json") for e in regrown[6:]]})
    assert (answer["stored"], answer["forks"], answer["head_seq"]) == (2, 4, 12)
    with harness.engine.connect() as conn:
        held = dict(conn.execute(sa.select(t.audit_events.c.seq, t.audit_events.c.mac)
                                 .where(t.audit_events.c.seq <= 10)).all())
    assert held == {e.seq: e.mac for e in original}   # never overwritten
    code, report = _check(harness, capsys)
    assert code == 1
    problems = report[0]["problems"]
    assert any("4 event(s) from event 7 on differ" in p for p in problems)
    assert any("event 11 does not follow event 10" in p for p in problems)


def test_gaps_and_a_bad_first_link_are_reported(
        harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    gappy, clean = harness.enrol(name="gappy"), harness.enrol(name="clean")
    events = _chain(8)
    with _session(gappy, harness) as session:
        upload = [e.model_dump(mode="json") for e in events[:3] + events[5:]]
        session.call("POST", "/v1/audit", {"events": upload})
    with _session(clean, harness) as session:
        upload_audit(session, ListSource(_chain(3, start=2, prev="a" * 64)))
    by_device = {c.device_id: c for c in check_chains(harness.engine)}
    assert by_device[gappy.device_id].problems == ["events 4..5 are missing"]
    assert by_device[clean.device_id].problems == ["events 1..1 are missing"]
    code, _report = _check(harness, capsys)
    assert code == 1
    url = harness.engine.url.render_as_string(hide_password=False)
    assert cli.main(["audit-check", "--database-url", url]) == 1
    text = capsys.readouterr().out
    assert "BROKEN" in text
    assert "PROBLEM: events 4..5 are missing" in text
    assert "2 device(s); 2 with a broken audit copy." in text


def test_a_device_writes_only_its_own_copy_and_bad_links_are_refused(
        harness: Harness) -> None:
    one, other = harness.enrol(), harness.enrol()
    with _session(one, harness) as session:
        upload_audit(session, ListSource(_chain(5)))
    head = fetch_audit_head(other, transport=harness.bridge, retry=FAST_RETRY)
    assert head.seq == 0   # the other device's copy is its own, still empty
    bad = _chain(1)[0].model_dump(mode="json") | {"mac": "not hex"}
    with _session(other, harness) as session, pytest.raises(ServerRefused) as refused:
        session.call("POST", "/v1/audit", {"events": [bad]})
    assert refused.value.status == 422
    for wrong in ({"seq": 2**63}, {"at": "2026-11-30T02:00:00"}):   # the second: naive
        with _session(other, harness) as session, pytest.raises(ServerRefused) as refused:
            session.call("POST", "/v1/audit", {"events": [_chain(1)[0].model_dump(mode="json")
                                                          | wrong]})
        assert refused.value.status == 422


def test_a_body_no_database_can_store_is_refused_clearly(harness: Harness) -> None:
    credentials = harness.enrol()
    event = _chain(1)[0].model_dump(mode="json")
    with _session(credentials, harness) as session:
        for body in ({"detail": {"note": "a\u0000b"}}, {"detail": "x" * 20_000}):
            with pytest.raises(ServerRefused) as refused:
                session.call("POST", "/v1/audit", {"events": [event | {"body": body}]})
            assert refused.value.status == 422   # before: both stored as sent
        assert session.call("GET", "/v1/audit/head")["seq"] == 0
