"""A person first seen at another site is found only through an explicit, exact, recorded
lookup for a case at the device's own site; then the person is shared with that site."""

from __future__ import annotations

import uuid
from typing import Any

from attacker import LEEDS, YORK, Attacker, note_fields, person_fields
from sync_harness import Harness

NHS = "9990001234"


def _york_person(harness: Harness, **changes: Any) -> tuple[Attacker, uuid.UUID]:
    york = Attacker.enrolled_for(harness, "York Custody")
    person = uuid.uuid4()
    fields = person_fields(YORK, nhs_number=NHS, family_name="Fictional", given_name="Testy",
                           date_of_birth="1990-01-02", **changes)
    assert york.push(york.op("person", person, fields, sites=[YORK]))[0]["status"] == "applied"
    return york, person


def _lookup(device: Attacker, **query: Any) -> Any:
    body = {"user": "prac1", "site_id": LEEDS, "case_id": str(uuid.uuid4()),
            "reason": "arrested at Leeds, says seen at York before", **query}
    return device.request("POST", "/v1/persons/lookup", body)


def test_a_lookup_by_nhs_number_shares_the_person_and_is_recorded(
        strict_harness: Harness) -> None:
    york, person = _york_person(strict_harness)
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    assert ("person", str(person)) not in leeds.pull_all()
    response = _lookup(leeds, nhs_number=NHS)
    assert response.status_code == 200, response.text
    found = response.json()
    assert [m["entity_id"] for m in found["matches"]] == [str(person)]
    assert ("person", str(person)) in leeds.pull_all()
    # now the person is the Leeds device's to link and edit
    note = leeds.op("note", uuid.uuid4(), note_fields(LEEDS, uuid.uuid4()), kind="insert",
                    sites=[LEEDS], links=[{"entity": "person", "entity_id": str(person)}])
    assert leeds.push(note)[0]["status"] == "applied"
    # and both sites can see who looked the person up, from where
    for device in (york, leeds):
        lookups = device.request("GET", f"/v1/persons/{person}/lookups").json()["lookups"]
        assert [(x["user"], x["site_id"], x["by"], x["device_id"]) for x in lookups] == [
            ("prac1", LEEDS, "nhs_number", leeds.device_id)]


def test_a_lookup_by_name_and_birth_date_is_exact(strict_harness: Harness) -> None:
    _york, person = _york_person(strict_harness)
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    near = _lookup(leeds, family_name="Fictional", given_name="Testy",
                   date_of_birth="1990-01-03").json()
    assert near["matches"] == []
    assert ("person", str(person)) not in leeds.pull_all()
    exact = _lookup(leeds, family_name="FICTIONAL", given_name="testy",
                    date_of_birth="1990-01-02").json()
    assert [m["entity_id"] for m in exact["matches"]] == [str(person)]


def test_a_lookup_must_be_exact_and_for_the_devices_own_site(strict_harness: Harness) -> None:
    york, person = _york_person(strict_harness)
    leeds = Attacker.enrolled_for(strict_harness, "Leeds Custody")
    assert _lookup(leeds, family_name="Fictional").status_code == 422      # not exact
    assert _lookup(leeds, nhs_number="99900").status_code == 422
    response = _lookup(leeds, nhs_number=NHS, site_id=YORK)
    assert (response.status_code, response.json()["error"]) == (403, "forbidden_site")
    york_case = uuid.uuid4()
    case = {"person_id": str(person), "site_id": YORK, "referral_source": "custody-sergeant",
            "referral_time": "2026-11-30T01:00:00+00:00", "contact_type": "arrested"}
    assert york.push(york.op("case", york_case, case, sites=[YORK]))[0]["status"] == "applied"
    response = _lookup(leeds, nhs_number=NHS, case_id=str(york_case))
    assert (response.status_code, response.json()["error"]) == (403, "forbidden_case")
    assert ("person", str(person)) not in leeds.pull_all()
    hidden = leeds.request("GET", f"/v1/persons/{person}/lookups")
    assert hidden.status_code == 404
