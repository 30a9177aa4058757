"""The merge rules on a working set, without a database."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sync.protocol import DELETED_FIELD, Op, OpKind, OpStatus, RecordRef, site_id_for
from sync.server.merge import WorkingSet, apply_op
from sync.server.schema import GLOBAL_SCOPE

SITE = str(site_id_for("Leeds Custody"))
OTHER = str(site_id_for("Wakefield"))
SITES = frozenset({SITE})
RID = uuid.uuid4()


def make_op(kind: OpKind = OpKind.UPSERT, fields: dict[str, Any] | None = None,
            base: dict[str, str | None] | None = None, *, hlc: str = "000000000000001-00000-a",
            entity: str = "case", entity_id: uuid.UUID = RID, sites: list[str] | None = None,
            links: list[RecordRef] | None = None, device: str = "dev-a") -> Op:
    return Op(op_id=uuid.uuid4(), device_id=device, device_seq=1, hlc=hlc, user="u",
              schema_version=1, entity=entity, entity_id=entity_id, kind=kind,
              sites=[SITE] if sites is None else sites, links=links or [],
              fields=fields or {}, base_versions=base or {})


def test_clean_edits_apply_and_move_the_token() -> None:
    ws = WorkingSet(0)
    first = make_op(fields={"status": "open"}, base={"status": None})
    assert apply_op(ws, first, SITES).status is OpStatus.APPLIED
    second = make_op(fields={"status": "closed"}, base={"status": str(first.op_id)})
    outcome = apply_op(ws, second, SITES)
    row = ws.record("case", str(RID))
    assert outcome.status is OpStatus.APPLIED
    assert row.fields["status"] == "closed"
    assert row.token("status") == str(second.op_id)
    assert not ws.conflicts


def test_stale_base_with_a_different_value_keeps_both_values() -> None:
    ws = WorkingSet(0)
    apply_op(ws, make_op(fields={"risk": "low"}, base={"risk": None}, hlc="1-00000-a"), SITES)
    late = make_op(fields={"risk": "high"}, base={"risk": None}, hlc="2-00000-b")
    outcome = apply_op(ws, late, SITES)
    assert outcome.status is OpStatus.CONFLICT
    (conflict,) = ws.conflicts.values()
    assert [v["value"] for v in conflict.values] == ["low", "high"]
    assert conflict.current == "high" == ws.record("case", str(RID)).fields["risk"]


def test_current_value_does_not_depend_on_arrival_order() -> None:
    ops = [make_op(fields={"risk": value}, base={"risk": None}, hlc=f"{n}-00000-x")
           for n, value in enumerate(["low", "high", "medium"])]
    currents = set()
    for order in ([0, 1, 2], [2, 1, 0], [1, 0, 2]):
        ws = WorkingSet(0)
        for index in order:
            apply_op(ws, ops[index], SITES)
        (conflict,) = ws.conflicts.values()
        assert len(conflict.values) == 3
        currents.add(conflict.current)
    assert currents == {"medium"}


def test_equal_value_never_clashes() -> None:
    ws = WorkingSet(0)
    apply_op(ws, make_op(fields={"risk": "low"}, base={"risk": None}), SITES)
    outcome = apply_op(ws, make_op(fields={"risk": "low"}, base={"risk": None}), SITES)
    assert outcome.status is OpStatus.APPLIED
    assert not ws.conflicts


def test_insert_is_append_only_and_idempotent() -> None:
    ws = WorkingSet(0)
    note = make_op(OpKind.INSERT, {"text": "seen in custody"}, entity="note")
    assert apply_op(ws, note, SITES).status is OpStatus.APPLIED
    again = make_op(OpKind.INSERT, {"text": "other"}, entity="note")
    assert apply_op(ws, again, SITES).status is OpStatus.APPLIED
    assert ws.record("note", str(RID)).fields == {"text": "seen in custody"}
    assert not ws.conflicts


def test_delete_that_saw_everything_leaves_a_tombstone() -> None:
    ws = WorkingSet(0)
    edit = make_op(fields={"risk": "low"}, base={"risk": None})
    apply_op(ws, edit, SITES)
    delete = make_op(OpKind.DELETE, {DELETED_FIELD: True},
                     {"risk": str(edit.op_id), DELETED_FIELD: None})
    assert apply_op(ws, delete, SITES).status is OpStatus.APPLIED
    row = ws.record("case", str(RID))
    assert row.fields[DELETED_FIELD] is True
    assert row.fields["risk"] == "low"     # tombstone keeps the data


def test_delete_that_missed_an_edit_is_a_clash() -> None:
    ws = WorkingSet(0)
    first = make_op(fields={"risk": "low"}, base={"risk": None}, hlc="1-00000-a")
    apply_op(ws, first, SITES)
    edit = make_op(fields={"risk": "high"}, base={"risk": str(first.op_id)}, hlc="3-00000-a")
    apply_op(ws, edit, SITES)
    delete = make_op(OpKind.DELETE, {DELETED_FIELD: True},
                     {"risk": str(first.op_id), DELETED_FIELD: None}, hlc="2-00000-b")
    outcome = apply_op(ws, delete, SITES)
    assert outcome.status is OpStatus.CONFLICT
    (conflict,) = ws.conflicts.values()
    assert conflict.field_name == DELETED_FIELD
    assert sorted(v["value"] for v in conflict.values) == [False, True]
    assert conflict.current is False      # the edit has the later clock: not deleted meanwhile


def test_edit_of_a_tombstone_it_did_not_see_is_a_clash() -> None:
    ws = WorkingSet(0)
    create = make_op(fields={"risk": "low"}, base={"risk": None}, hlc="1-00000-a")
    apply_op(ws, create, SITES)
    apply_op(ws, make_op(OpKind.DELETE, {DELETED_FIELD: True},
                         {"risk": str(create.op_id), DELETED_FIELD: None}, hlc="2-00000-a"), SITES)
    edit = make_op(fields={"risk": "high"}, base={"risk": str(create.op_id), DELETED_FIELD: None},
                   hlc="3-00000-b")
    outcome = apply_op(ws, edit, SITES)
    assert outcome.status is OpStatus.CONFLICT
    row = ws.record("case", str(RID))
    assert row.fields["risk"] == "high"
    assert row.fields[DELETED_FIELD] is False


def test_resolve_sets_the_value_and_closes_the_conflict() -> None:
    ws = WorkingSet(0)
    apply_op(ws, make_op(fields={"risk": "low"}, base={"risk": None}), SITES)
    apply_op(ws, make_op(fields={"risk": "high"}, base={"risk": None}), SITES)
    (conflict,) = ws.conflicts.values()
    resolve = make_op(OpKind.RESOLVE, {"value": "medium", "reason": "discussed"},
                      entity="conflict", entity_id=uuid.UUID(conflict.conflict_id), sites=[])
    assert apply_op(ws, resolve, SITES).status is OpStatus.APPLIED
    assert conflict.status == "resolved"
    assert conflict.resolution is not None
    assert conflict.resolution["reason"] == "discussed"
    row = ws.record("case", str(RID))
    assert row.fields["risk"] == "medium"
    assert row.token("risk") == str(resolve.op_id)


def test_links_widen_the_linked_records_scope_and_bump_it() -> None:
    ws = WorkingSet(0)
    person_id = uuid.uuid4()
    apply_op(ws, make_op(fields={"name": "A"}, entity="person", entity_id=person_id,
                         sites=[OTHER]), frozenset({OTHER}))
    person = ws.record("person", str(person_id))
    seq_before = person.seq
    case = make_op(fields={"person": str(person_id)},
                   links=[RecordRef(entity="person", entity_id=person_id)])
    assert apply_op(ws, case, SITES | {OTHER}).status is OpStatus.APPLIED
    assert person.scope == {OTHER, SITE}
    assert person.seq > seq_before


def test_a_link_to_a_record_the_device_cannot_see_is_refused() -> None:
    ws = WorkingSet(0)
    person_id = uuid.uuid4()
    apply_op(ws, make_op(fields={"name": "A"}, entity="person", entity_id=person_id,
                         sites=[OTHER]), frozenset({OTHER}))
    person = ws.record("person", str(person_id))
    seq_before = person.seq
    case = make_op(fields={"person": str(person_id)},
                   links=[RecordRef(entity="person", entity_id=person_id)])
    outcome = apply_op(ws, case, SITES)
    assert outcome.status is OpStatus.REJECTED
    assert "cannot see" in (outcome.error or "")
    assert person.scope == {OTHER}
    assert person.seq == seq_before
    assert not ws.record(case.entity, str(case.entity_id)).changed


def test_only_the_directory_may_be_created_for_every_site() -> None:
    ws = WorkingSet(0)
    clinical = apply_op(ws, make_op(fields={"a": 1}, sites=[]), SITES)
    assert clinical.status is OpStatus.REJECTED
    staff = apply_op(ws, make_op(entity="staff", fields={"role": "practitioner"}, sites=[]),
                     SITES)
    assert staff.status is OpStatus.APPLIED
    assert ws.record("staff", str(RID)).scope == {GLOBAL_SCOPE}


def test_sites_and_visibility_are_enforced() -> None:
    ws = WorkingSet(0)
    assert apply_op(ws, make_op(sites=[OTHER]), SITES).status is OpStatus.REJECTED
    apply_op(ws, make_op(fields={"a": 1}, sites=[OTHER]), frozenset({OTHER}))
    outcome = apply_op(ws, make_op(fields={"a": 2}, sites=[]), SITES)
    assert outcome.status is OpStatus.REJECTED


def test_equal_values_with_a_later_clash_are_order_independent() -> None:
    x1 = make_op(fields={"b": 3}, base={"b": None}, hlc="1-00000-a")
    x2 = make_op(fields={"b": 0}, base={"b": None}, hlc="2-00000-b")
    x0 = make_op(fields={"b": 3}, base={"b": None}, hlc="3-00000-c")
    currents = set()
    for order in itertools.permutations([x0, x1, x2]):
        ws = WorkingSet(0)
        for op in order:
            apply_op(ws, op, SITES)
        currents.add(ws.record("case", str(RID)).fields["b"])
    assert currents == {3}
