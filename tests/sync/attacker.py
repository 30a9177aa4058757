"""A hostile (or buggy) workstation: an enrolled device that signs whatever it likes with the
project's own signing code and sends it straight to the server, skipping every check the
real client and store would make."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sync_harness import IN_PROCESS_URL, Harness

from sync.credentials import DeviceCredentials
from sync.hlc import Timestamp
from sync.protocol import site_id_for
from sync.signing import sign_request

LEEDS = str(site_id_for("Leeds Custody"))
YORK = str(site_id_for("York Custody"))


def hlc(device_id: str, *, ahead_ms: int = 0) -> str:
    return Timestamp(int(time.time() * 1000) + ahead_ms, 0, device_id).encode()


def person_fields(site: str, **changes: Any) -> dict[str, Any]:
    """A new person's fields as the app's store sends them (fictional data)."""
    fields: dict[str, Any] = {
        "site_id": site, "given_name": "Testy", "family_name": "Fictional",
        "date_of_birth": "1990-01-02", "gender": "not-stated", "nhs_number": None,
        "nhs_number_status": "not-known", "ethnic_category": "Z", "aliases": [],
        "address": None, "no_fixed_abode": False, "communication_needs": None,
        "interpreter_language": None, "parent_carer": None, "gp_practice": None,
        "created_at": "2026-11-30T01:00:00+00:00",
    }
    fields.update(changes)
    return fields


def note_fields(site: str, case_id: uuid.UUID, body: str = "seen in cell 3") -> dict[str, Any]:
    return {"case_id": str(case_id), "site_id": site, "recorded_by": "prac1", "body": body,
            "amends_id": None, "created_at": "2026-11-30T01:00:00+00:00"}


@dataclass
class Attacker:
    harness: Harness
    credentials: DeviceCredentials
    next_seq: int = 1
    sent: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def enrolled_for(cls, harness: Harness, site_name: str) -> Attacker:
        return cls(harness, harness.enrol(site_name, name=f"{site_name} workstation"))

    @property
    def device_id(self) -> str:
        return self.credentials.device_id

    def op(self, entity: str, entity_id: uuid.UUID, fields: dict[str, Any], *,
           sites: list[str], kind: str = "upsert", links: list[dict[str, str]] | None = None,
           **overrides: Any) -> dict[str, Any]:
        op = {"op_id": str(uuid.uuid4()), "device_id": self.device_id,
              "device_seq": self.next_seq, "hlc": hlc(self.device_id), "user": "prac1",
              "schema_version": 1, "entity": entity, "entity_id": str(entity_id), "kind": kind,
              "sites": sites, "links": links or [], "fields": fields,
              "base_versions": {name: None for name in fields}}
        op.update(overrides)
        self.next_seq += 1
        return op

    def request(self, method: str, path: str, body: Any = None, *,
                raw: bytes | None = None) -> httpx.Response:
        content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        headers = sign_request(self.credentials.signing_key(), self.device_id, method, path,
                               content)
        with httpx.Client(base_url=IN_PROCESS_URL, transport=self.harness.bridge,
                          timeout=60) as client:
            return client.request(method, path, content=content,
                                  headers={"content-type": "application/json", **headers})

    def push(self, *ops: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.request("POST", "/v1/push", {"protocol": 1, "ops": list(ops)})
        assert response.status_code == 200, response.text[:500]
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def pull_all(self, limit: int = 500) -> dict[tuple[str, str], dict[str, Any]]:
        records: dict[tuple[str, str], dict[str, Any]] = {}
        cursor = 0
        while True:
            response = self.request("POST", "/v1/pull", {"protocol": 1, "cursor": cursor,
                                                         "limit": limit})
            assert response.status_code == 200, response.text[:500]
            page = response.json()
            for record in page["records"]:
                records[(record["entity"], record["entity_id"])] = record
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return records
