"""Issue 12, item 2, on the workstations: a staff record decides who unlocks as what, so a
workstation honours a pulled one only under an administrator's signature, whatever the
server says. The server here is played by an attacker who writes its database directly."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ld_desktop.domain.roles import Role
from ld_desktop.domain.staff_identity import staff_id_for
from ld_desktop.store.staff_queries import find_staff
from sync.op_signing import attest
from sync.server import schema as t
from sync.server.database import make_engine
from sync.server.record_body import record_body
from tests.integration.conftest import ADMIN, SENIOR

if TYPE_CHECKING:
    from tests.integration.conftest import Clash, Station


def _serve(station: Station, username: str, fields: dict[str, Any],
           op_id: str | None = None) -> None:
    """What a malicious server operator can do: change a record and hand it out as new."""
    engine = make_engine(station.server.settings.database_url)
    key = str(staff_id_for(username))
    token = op_id or str(uuid.uuid4())
    try:
        with engine.begin() as conn:
            row = conn.execute(sa.select(t.records).where(
                t.records.c.entity == "staff", t.records.c.entity_id == key)).mappings().one()
            seq = int(conn.execute(sa.select(t.counter.c.value)).scalar_one()) + 1
            meta = dict(row["meta"])
            for name in fields:
                meta[name] = [token, "999999999999999-00000-evil", "evil", username]
            conn.execute(sa.update(t.records).where(
                t.records.c.entity == "staff", t.records.c.entity_id == key).values(
                fields={**row["fields"], **fields}, meta=meta, seq=seq,
                body=record_body("staff", key, {**row["fields"], **fields}, meta)))
            conn.execute(sa.update(t.record_scope).where(
                t.record_scope.c.entity == "staff", t.record_scope.c.entity_id == key)
                .values(record_seq=seq))
            conn.execute(sa.update(t.counter).values(value=seq))
    finally:
        engine.dispose()


def _role_on(station: Station, username: str) -> str:
    with station.admin.store.reading() as db:
        member = find_staff(db, username)
        assert member is not None
        return member.role


@pytest.mark.expect_log   # provokes it on purpose (held back / wiped / cut link)
def test_a_forged_staff_record_makes_no_one_admin(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    b: Station = make_station("b")
    _serve(a, SENIOR[0], {"role": "admin"})                    # no signature at all
    b.sync()
    assert _role_on(b, SENIOR[0]) == "senior"
    assert b.workstation.unlock(*SENIOR).user.role is Role.SENIOR


@pytest.mark.expect_log   # provokes it on purpose (held back / wiped / cut link)
def test_a_record_signed_by_a_non_admin_is_held_back(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    b: Station = make_station("b")
    key = a.senior.signing_key                       # the senior's own, genuine key
    assert key is not None
    op_id = str(uuid.uuid4())
    with a.admin.store.reading() as db:
        member = find_staff(db, SENIOR[0])
        assert member is not None
        whole = {"username": member.username, "display_name": member.display_name,
                 "role": "admin", "site_ids": member.site_ids, "active": True,
                 "signing_keys": member.signing_keys}
    signed = attest(key, signer=SENIOR[0], op_id=op_id, entity="staff",
                    entity_id=staff_id_for(SENIOR[0]), hlc="999999999999999-00000-evil",
                    fields=whole)
    _serve(a, SENIOR[0], {**whole, "attestation": signed}, op_id)
    b.sync()
    assert _role_on(b, SENIOR[0]) == "senior"
    # and by a key that is nobody's
    signed = attest(Ed25519PrivateKey.generate(), signer=ADMIN[0], op_id=op_id, entity="staff",
                    entity_id=staff_id_for(SENIOR[0]), hlc="999999999999999-00000-evil",
                    fields=whole)
    _serve(a, SENIOR[0], {**whole, "attestation": signed}, op_id)
    b.sync()
    assert _role_on(b, SENIOR[0]) == "senior"


def test_an_admins_change_is_honoured_on_another_workstation(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    b: Station = make_station("b")
    with a.admin.store.unit_of_work(ADMIN[0]) as uow:      # signed with admin1's key
        member = find_staff(uow.session, SENIOR[0])
        assert member is not None
        uow.changes.update(member, {"role": "admin"})
    report = a.sync_service(a.admin).sync()
    assert report.rejected == 0
    b.sync()
    assert _role_on(b, SENIOR[0]) == "admin"
    assert b.workstation.unlock(*SENIOR).user.role is Role.ADMIN


@pytest.mark.expect_log   # provokes it on purpose (held back / wiped / cut link)
def test_an_older_signed_record_cannot_be_served_again(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    b: Station = make_station("b")
    engine = make_engine(a.server.settings.database_url)
    key = str(staff_id_for(SENIOR[0]))
    with engine.connect() as conn:
        before = conn.execute(sa.select(t.records).where(
            t.records.c.entity == "staff", t.records.c.entity_id == key)).mappings().one()
    with a.admin.store.unit_of_work(ADMIN[0]) as uow:      # admin1 deactivates senior1
        member = find_staff(uow.session, SENIOR[0])
        assert member is not None
        uow.changes.update(member, {"active": False})
    a.sync_service(a.admin).sync()
    b.sync()
    with b.admin.store.reading() as db:
        assert find_staff(db, SENIOR[0]).active is False  # type: ignore[union-attr]
    with engine.begin() as conn:                            # the server replays the old one
        seq = int(conn.execute(sa.select(t.counter.c.value)).scalar_one()) + 1
        conn.execute(sa.update(t.records).where(
            t.records.c.entity == "staff", t.records.c.entity_id == key).values(
            fields=before["fields"], meta=before["meta"], body=before["body"], seq=seq))
        conn.execute(sa.update(t.record_scope).where(
            t.record_scope.c.entity == "staff", t.record_scope.c.entity_id == key)
            .values(record_seq=seq))
        conn.execute(sa.update(t.counter).values(value=seq))
    engine.dispose()
    b.sync()
    with b.admin.store.reading() as db:
        assert find_staff(db, SENIOR[0]).active is False  # type: ignore[union-attr]


def test_a_decision_is_proven_on_the_other_workstation(urgency_clash: Clash) -> None:
    a, b = urgency_clash.a, urgency_clash.b
    [clash] = a.senior.conflicts.open()
    a.senior.conflicts.decide(clash.id, "urgent", "Spoke to both practitioners")
    assert a.sync().rejected == 0   # type: ignore[attr-defined]
    b.sync()
    [decision] = b.senior.conflicts.recent_decisions()
    assert (decision.decided_by, decision.signature_verified) == (SENIOR[0], True)
    # the server rewrites the reason of the decision: the signature no longer covers it
    engine = make_engine(a.server.settings.database_url)
    with engine.begin() as conn:
        row = conn.execute(sa.select(t.conflicts).where(t.conflicts.c.id == str(clash.id))
                           ).mappings().one()
        seq = int(conn.execute(sa.select(t.counter.c.value)).scalar_one()) + 1
        conn.execute(sa.update(t.conflicts).where(t.conflicts.c.id == str(clash.id)).values(
            resolution={**row["resolution"], "reason": "decided by the server"}, seq=seq))
        conn.execute(sa.update(t.counter).values(value=seq))
    engine.dispose()
    b.sync()
    [decision] = b.senior.conflicts.recent_decisions()
    assert decision.signature_verified is False


def test_what_a_removed_admin_signed_still_verifies_on_a_new_workstation(make_station) -> None:  # type: ignore[no-untyped-def]
    a: Station = make_station("a")
    a.admin.accounts.add_user("admin2", Role.ADMIN, "second admin passphrase here")
    second = a.workstation.unlock("admin2", "second admin passphrase here")
    second.accounts.add_user("prac9", Role.PRACTITIONER, "practitioner nine passphrase")
    a.sync_service(a.admin).sync()
    with a.admin.store.reading() as db:
        member = find_staff(db, "prac9")
        assert member is not None
        assert member.attestation is not None
        assert member.attestation["signer"] == "admin2"
    second.lock()
    a.senior.lock()       # removal re-keys the database: other sessions here are left behind
    a.admin.accounts.remove_user("admin2")       # prac9 is signed again, by admin1
    assert a.sync_service(a.admin).sync().rejected == 0   # type: ignore[attr-defined]
    c: Station = make_station("c")
    with c.admin.store.reading() as db:
        member = find_staff(db, "prac9")
        assert member is not None
        assert member.attestation is not None
        assert member.attestation["signer"] == ADMIN[0]
