"""Issue 12, attacked as a hostile workstation would: a device enrolled for Leeds, signing its
own requests with the project's signing code, against the real server on SQLite and
PostgreSQL. The principle: at worst it changes its own sites' clinical records; never
other sites', never the directory's scope, never other workstations' ability to sync."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from attacker import LEEDS, YORK, Attacker, hlc, note_fields, person_fields
from sync_harness import Harness

from sync.protocol import MAX_CLOCK_AHEAD_MS, MAX_OP_BYTES, MAX_PAGE_BYTES
from sync.server import schema as t

MIB = 1024 * 1024


def test_a_link_cannot_reach_a_record_of_another_site(strict_harness: Harness) -> None:
    york = Attacker.enrolled_for(strict_harness, "York Custody")
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    person = uuid.uuid4()
    assert york.push(york.op("person", person, person_fields(YORK), sites=[YORK])
                     )[0]["status"] == "applied"
    note = leeds.op("note", uuid.uuid4(), note_fields(LEEDS, uuid.uuid4()), kind="insert",
                    sites=[LEEDS], links=[{"entity": "person", "entity_id": str(person)}])
    result = leeds.push(note)[0]
    assert result["status"] == "rejected"
    assert "link" in result["error"]
    assert ("person", str(person)) not in leeds.pull_all()
    edit = leeds.op("person", person, {"given_name": "Changed"}, sites=[LEEDS])
    assert leeds.push(edit)[0]["status"] == "rejected"
    assert york.pull_all()[("person", str(person))]["fields"]["given_name"] == "Testy"


def test_a_clinical_record_cannot_be_broadcast_to_every_site(strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    york = Attacker.enrolled_for(strict_harness, "York Custody")
    person = uuid.uuid4()
    result = leeds.push(leeds.op("person", person, person_fields(LEEDS), sites=[]))[0]
    assert result["status"] == "rejected"
    assert "sites" in result["error"]
    assert ("person", str(person)) not in york.pull_all()


def test_a_poison_record_is_refused_at_push_and_the_rest_goes_on(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    other_leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    poison, fine = uuid.uuid4(), uuid.uuid4()
    results = leeds.push(
        leeds.op("person", poison, person_fields(LEEDS, date_of_birth="not-a-date"),
                 sites=[LEEDS]),
        leeds.op("person", fine, person_fields(LEEDS), sites=[LEEDS]))
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert "date_of_birth" in results[0]["error"]
    pulled = other_leeds.pull_all()
    assert ("person", str(poison)) not in pulled
    assert ("person", str(fine)) in pulled


def test_wrong_types_unknown_fields_and_unknown_entities_are_refused(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    bad = [
        person_fields(LEEDS, no_fixed_abode="yes"),
        person_fields(LEEDS, aliases="not a list"),
        person_fields(LEEDS, given_name=12),
        person_fields(LEEDS, site_id="not-a-uuid"),
        {**person_fields(LEEDS), "favourite_colour": "blue"},
    ]
    results = leeds.push(*(leeds.op("person", uuid.uuid4(), f, sites=[LEEDS]) for f in bad),
                         leeds.op("spaceship", uuid.uuid4(), {"x": 1}, sites=[LEEDS]))
    assert [r["status"] for r in results] == ["rejected"] * 6, results


def test_a_clock_far_ahead_is_bounded_and_a_malformed_one_refused(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    year_ms = 365 * 24 * 3600 * 1000
    ahead = uuid.uuid4()
    results = leeds.push(
        leeds.op("person", ahead, person_fields(LEEDS), sites=[LEEDS],
                 hlc=hlc(leeds.device_id, ahead_ms=year_ms)),
        *(leeds.op("person", uuid.uuid4(), person_fields(LEEDS), sites=[LEEDS], hlc=clock)
          for clock in ("not a clock", "000000000000001-00000-", "1-2-3",
                        "000000000000001-00000-a\x00b")))
    assert [r["status"] for r in results] == ["applied"] + ["rejected"] * 4, results
    assert "clock" in results[1]["error"]
    with strict_harness.engine.connect() as conn:
        meta = conn.execute(sa.select(t.records.c.meta).where(
            t.records.c.entity_id == str(ahead))).scalar_one()
    latest = int(time.time() * 1000) + MAX_CLOCK_AHEAD_MS
    stored = {int(values[1][:15]) for values in meta.values()}
    assert max(stored) <= latest       # a year ahead would win every later decision


def test_huge_integers_are_refused_not_a_server_error(strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    op = leeds.op("person", uuid.uuid4(), person_fields(LEEDS), sites=[LEEDS],
                  device_seq=2 ** 63)
    response = leeds.request("POST", "/v1/push", {"protocol": 1, "ops": [op]})
    assert response.status_code == 422
    response = leeds.request("POST", "/v1/pull", {"protocol": 1, "cursor": 2 ** 64})
    assert response.status_code == 422


def test_nul_in_staff_and_device_names_is_refused_not_a_server_error(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    # Staff names now travel only as signed ops (the unsigned staff endpoint is gone); a
    # user name the database cannot store (a NUL) is that op's refusal, never a server error.
    bad = leeds.op("person", uuid.uuid4(), person_fields(LEEDS), sites=[LEEDS])
    bad["user"] = "Ann\x00Other"
    response = leeds.request("POST", "/v1/push", {"protocol": 1, "ops": [bad]})
    assert response.status_code < 500
    if response.status_code == 200:
        assert [r["status"] for r in response.json()["results"]] == ["rejected"]
    code = strict_harness.code("Leeds Custody")
    import httpx
    from sync_harness import IN_PROCESS_URL
    with httpx.Client(base_url=IN_PROCESS_URL, transport=strict_harness.bridge) as client:
        response = client.post("/v1/enrol", json={"code": code, "public_key": "A" * 43 + "=",
                                                  "device_name": "PC\x00one"})
    assert (response.status_code, response.json()["error"]) == (422, "invalid_request")


def test_an_op_over_the_size_bound_is_refused_alone(strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    case_id = uuid.uuid4()
    huge = leeds.op("note", uuid.uuid4(), note_fields(LEEDS, case_id, "x" * (15 * MIB)),
                    kind="insert", sites=[LEEDS])
    small = leeds.op("note", uuid.uuid4(), note_fields(LEEDS, case_id), kind="insert",
                     sites=[LEEDS])
    results = leeds.push(huge, small)
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert "bytes" in results[0]["error"]


def test_pull_pages_are_bounded_in_bytes_and_deliver_everything(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    case_id = uuid.uuid4()
    ids = set()
    for _batch in range(3):
        ops = [leeds.op("note", uuid.uuid4(), note_fields(LEEDS, case_id, "y" * 95_000),
                        kind="insert", sites=[LEEDS]) for _ in range(20)]
        ids |= {op["entity_id"] for op in ops}
        assert {r["status"] for r in leeds.push(*ops)} == {"applied"}
    reader = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    cursor, seen, pages = 0, set(), 0
    while True:
        response = reader.request("POST", "/v1/pull", {"protocol": 1, "cursor": cursor,
                                                       "limit": 2000})
        assert response.status_code == 200
        assert len(response.content) <= MAX_PAGE_BYTES + MAX_OP_BYTES, len(response.content)
        page = response.json()
        seen |= {r["entity_id"] for r in page["records"]}
        cursor, pages = page["next_cursor"], pages + 1
        if not page["has_more"]:
            break
    assert seen == ids
    assert pages >= 2


def test_false_and_zero_are_not_taken_for_numbers_and_booleans(
        strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    response = leeds.request("POST", "/v1/pull", {"protocol": 1, "cursor": False})
    assert response.status_code == 422
    results = leeds.push(leeds.op("person", uuid.uuid4(),
                                  person_fields(LEEDS, no_fixed_abode=0), sites=[LEEDS]))
    assert [r["status"] for r in results] == ["rejected"]          # 0 is not False
    assert "no_fixed_abode" in results[0]["error"]


def test_method_not_allowed_names_the_allowed_methods(strict_harness: Harness) -> None:
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    response = leeds.request("GET", "/v1/push")
    assert response.status_code == 405
    assert response.headers.get("allow") == "POST"
