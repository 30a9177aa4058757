"""A demotion and a staff record signed by the demoted administrator's key after it: the
second is held back whether it comes in a later page, in the same page, or in a later page
applied together with the demotion's (the sync client applies the pages that have already
arrived in one go). Trust was read once per pass over a page's directory records, so a
demotion did not reach the records after it in the same apply."""
from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ld_desktop.domain.staff_identity import staff_id_for
from ld_desktop.services.session import UserSession
from ld_desktop.store.models import StaffMember
from ld_desktop.store.replica import StoreReplica
from sync.op_signing import attest, public_key_text
from sync.protocol import PullResponse, RecordState, pages_joined


def hlc(n: int) -> str:
    return f"{1732400002000 + n:015d}-00000-server"


def signed(key: Ed25519PrivateKey, signer: str, username: str, role: str, sites: list[str],
           keys: list[str], seq: int) -> RecordState:
    op = uuid.uuid4()
    fields = {"username": username, "display_name": username, "role": role,
              "site_ids": sites, "active": True, "signing_keys": keys}
    att = attest(key, signer=signer, op_id=op, entity="staff",
                 entity_id=staff_id_for(username), hlc=hlc(seq), fields=fields)
    return RecordState(entity="staff", entity_id=staff_id_for(username), seq=seq,
                       fields={**fields, "attestation": att},
                       versions={name: str(op) for name in fields})


def page(records: list[RecordState], cursor: int, more: bool = True) -> PullResponse:
    return PullResponse(records=records, conflicts=[], next_cursor=cursor, has_more=more,
                        server_hlc=hlc(cursor))


def scenario(admin: UserSession) -> tuple[PullResponse, PullResponse, PullResponse]:
    """admin3 made an administrator (with key K3), then demoted to senior by admin1, then
    a new administrator "rogue" signed with K3."""
    sites = [str(s) for s in admin.site_ids]
    k3 = Ed25519PrivateKey.generate()
    a3 = signed(admin.signing_key, "admin1", "admin3", "admin", sites, [public_key_text(k3)], 10)
    demote = signed(admin.signing_key, "admin1", "admin3", "senior", sites,
                    [public_key_text(k3)], 100)
    rogue = signed(k3, "admin3", "rogue", "admin", sites, [], 200)
    return page([a3], 10), page([demote], 100), page([rogue], 200, more=False)


def rogue_held_back(admin: UserSession, caplog: pytest.LogCaptureFixture) -> bool:
    with admin.store.reading() as db:
        here = db.get(StaffMember, staff_id_for("rogue")) is not None
    return not here and "not an administrator's" in caplog.text


@pytest.mark.expect_log
def test_one_page_at_a_time(admin: UserSession, caplog: pytest.LogCaptureFixture) -> None:
    p1, p2, p3 = scenario(admin)
    r = StoreReplica(admin.store, "dev", "admin1")
    for each in (p1, p2, p3):
        r.apply_pull(each)
    assert rogue_held_back(admin, caplog)   # admin3 is no longer an administrator


@pytest.mark.expect_log
def test_pages_two_and_three_merged(admin: UserSession, caplog: pytest.LogCaptureFixture) -> None:
    p1, p2, p3 = scenario(admin)
    r = StoreReplica(admin.store, "dev", "admin1")
    r.apply_pull(p1)
    r.apply_pull(pages_joined([p2, p3]))
    assert rogue_held_back(admin, caplog), "a record signed by a demoted admin's key was applied"


@pytest.mark.expect_log
def test_in_the_same_page_as_the_demotion(admin: UserSession,
                                          caplog: pytest.LogCaptureFixture) -> None:
    p1, p2, p3 = scenario(admin)
    r = StoreReplica(admin.store, "dev", "admin1")
    r.apply_pull(p1)
    r.apply_pull(page([*p2.records, *p3.records], 200, more=False))
    assert rogue_held_back(admin, caplog), "a record signed by a demoted admin's key was applied"
