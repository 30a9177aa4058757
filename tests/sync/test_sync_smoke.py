from __future__ import annotations

import uuid

from sync_harness import Harness


def test_push_then_pull_roundtrip(harness: Harness) -> None:
    a, client_a = harness.replica("Leeds Custody")
    b, client_b = harness.replica("Leeds Custody")
    site = a_site = str(__import__("sync.protocol").protocol.site_id_for("Leeds Custody"))
    rid = uuid.uuid4()
    a.upsert("person", rid, {"name": "Alex"}, sites=[site])
    report = client_a.sync()
    assert report.pushed == 1
    report_b = client_b.sync()
    assert report_b.pulled == 1
    assert b.record("person", rid) == {"name": "Alex"}
    assert a_site
