"""Issue 17's floors: each project figure beside the bare operation underneath, measured
alternately in the same run (ratios survive the load of a shared machine; absolute figures
do not).

Searching people: ``PersonService.search`` (the ranked ids, then the best hits' summary
columns, and the access audit it writes) against the raw FTS5 statement with the same
``LIMIT``, in thread CPU time (a 1 ms search on a loaded machine is often descheduled
half-way; wall time is printed too), in rounds; the median of the rounds' ratios is the
figure.

Saving a case: the statements ``cases.new_referral`` sends to SQLite, written by hand on
the raw DB-API connection (same file, same pragmas, so the same ``synchronous=FULL`` fsync
at COMMIT), timed alternately with the app's own save, in wall and thread CPU time.

The statements are the ones the app issues for a referral of a known person (see
``tests/store/test_save_path.py``, which pins that list): load the person and the site,
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
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text

from ld_desktop.domain.ids import new_id
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.store import person_queries
from ld_desktop.store.person_queries import SEARCH_HEADROOM
from ld_desktop.store.search_index import fts_query

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


def save_against_floor(session: UserSession, count: int) -> dict[str, list[float]]:
    """Issue 17: ``cases.new_referral`` for a known person (case row, outbox op, search
    index, audit event; one transaction, ``synchronous=FULL``) and the same statements by
    hand on the raw connection (``bench/save_floor.py``), alternately, so both see the same
    disk and the same load. Wall and thread-CPU seconds of each; the trail must verify."""
    from ld_desktop.store.audit import verify_chain

    site = session.site_ids[0]
    people = [session.persons.register(PersonDraft("Floory", f"Saver{i}", date(1985, 5, 5)),
                                       site).id for i in range(2 * count)]
    times: dict[str, list[float]] = {"app": [], "raw": [], "app_cpu": [], "raw_cpu": []}
    raw = session.store.engine.raw_connection()
    try:
        floor = SaveFloor(raw.driver_connection, session.store.audit_mac_key,
                          session.device_id, session.user.username)
        for i in range(count):
            for kind in ("app", "raw") if i % 2 else ("raw", "app"):
                person = people[2 * i + (kind == "raw")]
                start, cpu = time.perf_counter(), time.thread_time()
                if kind == "app":
                    session.cases.new_referral(ReferralDraft(
                        person, site, "custody-sergeant", "arrested",
                        custody_record_number=f"SF/{i}"))
                else:
                    floor.save(person, site)
                times[kind].append(time.perf_counter() - start)
                times[kind + "_cpu"].append(time.thread_time() - cpu)
    finally:
        raw.close()
    with session.store.reading() as db:
        report = verify_chain(db, session.store.audit_mac_key, session.store.anchor)
    assert report.intact, report.problems
    return times


def save_rows(times: dict[str, list[float]]) -> list[tuple[str, str, str]]:
    app, raw = pct(times["app"], 50), pct(times["raw"], 50)
    app_cpu, raw_cpu = pct(times["app_cpu"], 50), pct(times["raw_cpu"], 50)
    n = len(times["app"])
    return [
        (f"save a case (cases.new_referral), p50 of {n}, alternating with the floor",
         f"{app * 1000:.2f} ms", f"raw statements {raw * 1000:.2f} ms: {app / raw:.2f}x, "
         "goal <= 2x"),
        ("  the same, thread CPU p50 (without the fsync wait)", f"{app_cpu * 1000:.2f} ms",
         f"raw statements {raw_cpu * 1000:.2f} ms: {app_cpu / raw_cpu:.2f}x"),
    ]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


SearchKind = tuple[str, list[str], Callable[[str], str]]
_RAW_FTS = text("SELECT person_id FROM person_search WHERE person_search MATCH :q "
                "ORDER BY rank LIMIT :n")


def search_against_floor(session: UserSession, kinds: list[SearchKind], rounds: int,
                         per_round: int, rng: random.Random) -> dict[str, dict[str, list[float]]]:
    """Per kind and round: p50 thread-CPU seconds of ``PersonService.search`` (with its
    access audit), of the search statement alone (``person_queries.search``), and of the raw
    ranked FTS5 statement with the same LIMIT, each in its own read transaction; and the
    service's p50 wall time."""
    limit = 50
    out: dict[str, dict[str, list[float]]] = {
        kind: {"service": [], "query": [], "raw": [], "wall": []} for kind, _, _ in kinds}
    sites = list(session.site_ids)
    for _ in range(rounds):
        samples: dict[str, dict[str, list[float]]] = {
            kind: {"service": [], "query": [], "raw": [], "wall": []} for kind, _, _ in kinds}
        for _ in range(per_round):
            for kind, pool, transform in kinds:
                query = transform(rng.choice(pool))
                mine = samples[kind]
                start, cpu = time.perf_counter(), time.thread_time()
                found = session.persons.search(query, limit=limit)
                mine["wall"].append(time.perf_counter() - start)
                mine["service"].append(time.thread_time() - cpu)
                assert found, f"no result for a {kind} search: {query!r}"
                cpu = time.thread_time()
                with session.store.reading() as db:
                    person_queries.search(db, query, sites, limit)
                mine["query"].append(time.thread_time() - cpu)
                cpu = time.thread_time()
                with session.store.reading() as db:
                    db.execute(_RAW_FTS, {"q": fts_query(query),
                                          "n": limit * SEARCH_HEADROOM}).all()
                mine["raw"].append(time.thread_time() - cpu)
        for kind, mine in samples.items():
            for key, values in mine.items():
                out[kind][key].append(pct(values, 50))
    return out


def search_rows(results: dict[str, dict[str, list[float]]], per_round: int
                ) -> list[tuple[str, str, str]]:
    rows = []
    for kind, r in results.items():
        service = [s / f for s, f in zip(r["service"], r["raw"], strict=True)]
        query = [q / f for q, f in zip(r["query"], r["raw"], strict=True)]
        rounds = len(service)
        rows.append((
            f"search people by {kind}: CPU p50, {rounds} rounds of {per_round}",
            f"{statistics.median(r['service']) * 1000:.2f} ms",
            f"raw FTS5 (LIMIT {50 * SEARCH_HEADROOM}) {statistics.median(r['raw']) * 1000:.2f}"
            f" ms: median ratio {statistics.median(service):.2f}x (rounds "
            f"{min(service):.2f}-{max(service):.2f}), goal <= 1.5x; wall p50 "
            f"{statistics.median(r['wall']) * 1000:.1f} ms"))
        rows.append((
            "  the search statement alone, without the access audit",
            f"{statistics.median(r['query']) * 1000:.2f} ms",
            f"median ratio {statistics.median(query):.2f}x (rounds "
            f"{min(query):.2f}-{max(query):.2f})"))
    return rows
