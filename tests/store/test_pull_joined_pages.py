"""Pages the sync client joins (the pages already fetched, applied in one transaction) leave
the store as the same pages applied one by one: a record or a conflict that changed between
two of the requests comes twice, and its later state is what stays (issue 17)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from ld_desktop.services.session import UserSession
from ld_desktop.store.models import ConflictRecord, Person
from ld_desktop.store.replica import StoreReplica
from ld_desktop.store.search_index import search_person_ids
from sync.protocol import ConflictState, ConflictValue, PullResponse, pages_joined

from .test_pull_batch import HLC, person


def conflict(cid: uuid.UUID, seq: int, pid: uuid.UUID, current: str,
             status: str = "open") -> ConflictState:
    return ConflictState(
        conflict_id=cid, seq=seq, entity="person", entity_id=pid, field="family_name",
        current=current, status=status,
        values=[ConflictValue(value=value, op_id=uuid.uuid4(), device_id=device, user="amy",
                              hlc=HLC) for value, device in (("A", "here"), ("B", "there"))])


def two_pages(site: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID, PullResponse, PullResponse]:
    """A person and a clash on them; between the two requests the person was renamed and
    the clash resolved (each given a new sequence number)."""
    pid, cid = uuid.uuid4(), uuid.uuid4()
    first = PullResponse(records=[person(pid, 1, site, "Old", "Name")],
                         conflicts=[conflict(cid, 2, pid, "A")], next_cursor=2,
                         has_more=True, server_hlc=HLC)
    second = PullResponse(records=[person(pid, 3, site, "New", "Name")],
                          conflicts=[conflict(cid, 4, pid, "B", status="resolved")],
                          next_cursor=4, has_more=False, server_hlc=HLC)
    return pid, cid, first, second


@pytest.mark.parametrize("together", [False, True], ids=["one by one", "joined"])
def test_the_later_state_stays(prac: UserSession, together: bool) -> None:
    pid, cid, first, second = two_pages(prac.site_ids[0])
    replica = StoreReplica(prac.store, "dev", prac.user.username)
    for page in ([pages_joined([first, second])] if together else [first, second]):
        replica.apply_pull(page)
    assert replica.cursor() == 4
    with prac.store.reading() as db:
        stored = db.get(Person, pid)
        clash = db.get(ConflictRecord, cid)
        assert stored is not None
        assert clash is not None
        assert stored.given_name == "New"
        assert (clash.status, clash.current) == ("resolved", {"value": "B"})
        assert db.scalar(select(func.count()).select_from(ConflictRecord)) == 1
        assert search_person_ids(db, "New Name") == [pid]
        assert search_person_ids(db, "Old Name") == []
