"""The floor under saving a case (issue 17): the statements ``cases.new_referral`` sends to
SQLite, written by hand on the raw DB-API connection (same file, same pragmas, so the same
``synchronous=FULL`` fsync at COMMIT), timed alternately with the app's own save.

The statements are the ones the app issues for a referral of a known person (see
``tests/services/test_save_path.py``, which pins that list): load the person and the site,
insert the case, take the device sequence number, queue the outbox op, re-index the person
(their custody numbers, then the FTS row), read the audit chain's tail, append the event
(HMAC-chained exactly as ``store/audit.py`` does, so the trail still verifies) and move the
chain's head. The values are built the way the app stores them (hex ids, JSON text, naive
UTC times) but with none of the app's own machinery: this is the bare cost of the work.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from ld_desktop.domain.ids import new_id

_PERSON = ("SELECT site_id, given_name, family_name, date_of_birth, estimated_birth_year, "
           "gender, nhs_number, nhs_number_status, ethnic_category, aliases, address, "
           "no_fixed_abode, communication_needs, interpreter_language, parent_carer, "
           "gp_practice, sex, merged_into, merge_detail, forwarded_versions, id, "
           "field_versions, entered_in_error, created_at, updated_at FROM person WHERE id = ?")
_SITE = ("SELECT name, kind, core_hours, attestation, id, field_versions, entered_in_error, "
         "created_at, updated_at FROM site WHERE id = ?")
_CASE_COLUMNS = ("person_id", "site_id", "referral_source", "referral_time",
                 "custody_record_number", "offences", "contact_type", "urgency", "reason",
                 "stage", "holder", "flags", "risk_level", "in_custody", "seen_at",
                 "screened_at", "assessed_at", "closed_at", "closure_reason")
_INSERT_CASE = (f'INSERT INTO "case" ({", ".join(_CASE_COLUMNS)}, id, field_versions, '
                f'entered_in_error, created_at, updated_at) VALUES '
                f'({", ".join("?" * (len(_CASE_COLUMNS) + 5))})')
_TAKE_SEQ = ("UPDATE device_state SET next_device_seq = next_device_seq + 1, last_hlc = ? "
             "WHERE id = 1 RETURNING next_device_seq - 1")
_INSERT_OP = ("INSERT INTO outbox (device_seq, op_id, hlc, user, schema_version, entity, "
              "entity_id, kind, sites, links, fields, base_versions, created_at, status, "
              "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_CUSTODY = ('SELECT custody_record_number FROM "case" WHERE person_id = ? '
            "AND custody_record_number IS NOT NULL")
_TAIL = ("SELECT e.seq, e.mac, s.value FROM (SELECT 1) AS one LEFT JOIN (SELECT seq, mac "
         "FROM audit_event ORDER BY seq DESC LIMIT 1) AS e ON 1 "
         "LEFT JOIN setting AS s ON s.key = ?")
_INSERT_EVENT = ("INSERT INTO audit_event (seq, id, at, user, action, entity, entity_id, "
                 "case_id, detail, device_id, prev_mac, mac) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_HEAD = ('INSERT INTO setting ("key", value) VALUES (?, ?) '
         'ON CONFLICT ("key") DO UPDATE SET value = ?')


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


class SaveFloor:
    """One raw save of a referral per ``save()``, on ``conn`` (a DB-API connection)."""

    def __init__(self, conn: Any, audit_key: bytes, device_id: str, user: str) -> None:
        self._conn = conn
        self._key = audit_key
        self._device = device_id
        self._user = user
        self._n = 0

    def save(self, person_id: uuid.UUID, site_id: uuid.UUID) -> None:
        self._n += 1
        cur = self._conn.cursor()
        now = datetime.now(UTC)
        case_id, op_id, event_id = new_id(), new_id(), new_id()
        crn = f"RAW/{self._n}/{now.timestamp()}"
        cur.execute("BEGIN IMMEDIATE")
        person = cur.execute(_PERSON, (person_id.hex,)).fetchone()
        cur.execute(_SITE, (site_id.hex,)).fetchone()
        values: dict[str, Any] = {
            "person_id": str(person_id), "site_id": str(site_id),
            "referral_source": "custody-sergeant", "referral_time": now.isoformat(),
            "custody_record_number": crn, "offences": [], "contact_type": "arrested",
            "urgency": "routine", "reason": None, "stage": "referred", "holder": self._user,
            "flags": [], "risk_level": None, "in_custody": True, "seen_at": None,
            "screened_at": None, "assessed_at": None, "closed_at": None,
            "closure_reason": None, "created_at": now.isoformat()}
        row = [person_id.hex, site_id.hex, "custody-sergeant", _stamp(now), crn, "[]",
               "arrested", "routine", None, "referred", self._user, "[]", None, 1, None,
               None, None, None, None, case_id.hex,
               json.dumps({"*": str(op_id)}), 0, _stamp(now), _stamp(now)]
        cur.execute(_INSERT_CASE, row)
        hlc = f"{int(now.timestamp() * 1000):015d}-00000-{self._device}"
        (seq,) = cur.execute(_TAKE_SEQ, (hlc,)).fetchone()
        cur.execute(_INSERT_OP, (
            seq, op_id.hex, hlc, self._user, 1, "case", case_id.hex, "upsert",
            json.dumps([str(site_id)]),
            json.dumps([{"entity": "person", "entity_id": str(person_id)}]),
            json.dumps(values), json.dumps(dict.fromkeys(values)), _stamp(now), "pending",
            None))
        custody = [r[0] for r in cur.execute(_CUSTODY, (person_id.hex,))]
        rowid = person_id.int & ((1 << 63) - 1)
        cur.execute("DELETE FROM person_search WHERE rowid = ?", (rowid,))
        cur.execute("INSERT INTO person_search (rowid, person_id, names, identifiers) "
                    "VALUES (?, ?, ?, ?)",
                    (rowid, str(person_id), f"{person[1]} {person[2]}",
                     " ".join([person[6] or "", (person[3] or "").replace("-", ""),
                               *("".join(ch for ch in c.casefold() if ch.isalnum())
                                 for c in custody)])))
        last_seq, last_mac, _head = cur.execute(_TAIL, ("audit-chain-head",)).fetchone()
        event_seq = last_seq + 1
        body = [event_seq, str(event_id), now.isoformat(), self._user, "create", "case",
                str(case_id), str(case_id), {}, self._device, last_mac]
        mac = hmac.new(self._key, json.dumps(body, sort_keys=True, separators=(",", ":"),
                                             default=str).encode(),
                       hashlib.sha256).hexdigest()
        cur.execute(_INSERT_EVENT, (event_seq, event_id.hex, _stamp(now), self._user,
                                    "create", "case", case_id.hex, case_id.hex, "{}",
                                    self._device, last_mac, mac))
        head = json.dumps({"seq": event_seq, "mac": hmac.new(
            self._key, f"head|{event_seq}|{mac}".encode(), hashlib.sha256).hexdigest()})
        cur.execute(_HEAD, ("audit-chain-head", head, head))
        cur.execute("COMMIT")
        cur.close()
