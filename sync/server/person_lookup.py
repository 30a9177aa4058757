"""Finding a person first seen at another site: an explicit, exact lookup, recorded before
anything is shared. Made by a named user for a case at one of the device's own sites; the
people found gain that site (and arrive in its pulls). A lookup that finds more than
`MAX_MATCHES` shares nothing: a lookup is for one person, not for browsing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sync.lookup import (
    MAX_MATCHES,
    LookupList,
    LookupRecord,
    PersonLookupRequest,
    PersonLookupResponse,
)
from sync.protocol import DELETED_FIELD
from sync.server import schema as t
from sync.server.authentication import AuthedDevice
from sync.server.merge import visible
from sync.server.pull_store import record_state
from sync.server.push_store import share_records
from sync.server.registry import RegistryError

PERSON = "person"


def look_up(engine: Engine, device: AuthedDevice,
            body: PersonLookupRequest) -> PersonLookupResponse:
    if body.site_id not in device.sites:
        raise RegistryError(403, "forbidden_site",
                            "a lookup is for a case at one of this device's own sites")
    with engine.connect() as conn:
        _check_case(conn, device, body)
        found = _matches(conn, body)
    too_many = len(found) > MAX_MATCHES
    matched = [] if too_many else found
    lookup_id = uuid.uuid4()
    _record(engine, lookup_id, device, body, matched)     # recorded before anything is shared
    if matched:
        share_records(engine, device.device_id, _shared_keys(engine, matched), body.site_id)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.records).where(
            t.records.c.entity == PERSON, t.records.c.entity_id.in_(matched))).mappings().all()
    states = [record_state(row) for row in rows]
    return PersonLookupResponse(lookup_id=lookup_id, matches=states, too_many=too_many)


def lookups_of(engine: Engine, device: AuthedDevice, person_id: uuid.UUID) -> LookupList:
    """Who looked this person up, from where (for the person's audit): only for a device that
    can see the person."""
    with engine.connect() as conn:
        scope = set(conn.execute(sa.select(t.record_scope.c.site_id).where(
            t.record_scope.c.entity == PERSON,
            t.record_scope.c.entity_id == str(person_id))).scalars())
        if not scope or not visible(scope, device.sites):
            raise RegistryError(404, "not_found", "no such person for this device")
        rows = conn.execute(
            sa.select(t.person_lookups)
            .join(t.person_lookup_matches,
                  t.person_lookup_matches.c.lookup_id == t.person_lookups.c.id)
            .where(t.person_lookup_matches.c.person_id == str(person_id))
            .order_by(t.person_lookups.c.at)).mappings().all()
    return LookupList(lookups=[LookupRecord(
        lookup_id=row["id"], at=row["at"], device_id=row["device_id"], user=row["user"],
        site_id=row["site_id"], case_id=row["case_id"], by=row["by"], reason=row["reason"])
        for row in rows])


def _shared_keys(engine: Engine, matched: list[str]) -> set[tuple[str, str]]:
    """The people found and the sites they were registered at (a workstation cannot keep a
    person whose site it does not know; a site record holds only its name and hours)."""
    keys = {(PERSON, pid) for pid in matched}
    with engine.connect() as conn:
        sites = conn.execute(sa.select(t.records.c.fields["site_id"].as_string()).where(
            t.records.c.entity == PERSON, t.records.c.entity_id.in_(matched))).scalars()
        keys |= {("site", site) for site in sites if site}
    return keys


def _check_case(conn: Connection, device: AuthedDevice, body: PersonLookupRequest) -> None:
    """A case already on the server must be at the lookup's site (a case being written now,
    not yet pushed, is taken on the user's word and recorded)."""
    scope = set(conn.execute(sa.select(t.record_scope.c.site_id).where(
        t.record_scope.c.entity == "case",
        t.record_scope.c.entity_id == str(body.case_id))).scalars())
    if scope and body.site_id not in scope:
        raise RegistryError(403, "forbidden_case", "the case is not at the lookup's site")


def _matches(conn: Connection, body: PersonLookupRequest) -> list[str]:
    fields = t.records.c.fields
    if body.nhs_number is not None:
        exact = fields["nhs_number"].as_string() == body.nhs_number
    else:
        family, given = body.family_name or "", body.given_name or ""   # both given (model)
        born = body.date_of_birth.isoformat() if body.date_of_birth else ""
        exact = sa.and_(
            sa.func.lower(fields["family_name"].as_string()) == family.lower(),
            sa.func.lower(fields["given_name"].as_string()) == given.lower(),
            fields["date_of_birth"].as_string() == born)
    query = (sa.select(t.records.c.entity_id, fields[DELETED_FIELD].as_boolean())
             .where(t.records.c.entity == PERSON, exact)
             .order_by(t.records.c.entity_id).limit(MAX_MATCHES + 1))
    return [entity_id for entity_id, deleted in conn.execute(query) if deleted is not True]


def _record(engine: Engine, lookup_id: uuid.UUID, device: AuthedDevice,
            body: PersonLookupRequest, matched: list[str]) -> None:
    by = "nhs_number" if body.nhs_number is not None else "name_and_date_of_birth"
    with engine.begin() as conn:
        conn.execute(sa.insert(t.person_lookups).values(
            id=str(lookup_id), at=datetime.now(UTC), device_id=device.device_id,
            user=body.user, site_id=body.site_id, case_id=str(body.case_id), by=by,
            reason=body.reason, matched=matched))
        if matched:
            conn.execute(sa.insert(t.person_lookup_matches),
                         [{"lookup_id": str(lookup_id), "person_id": pid} for pid in matched])

