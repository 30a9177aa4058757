"""A new pulled record's row straight from the wire (``wire_stored``, issue 17) is exactly
the row the old path stores (``read_fields``, ``_new_row``, then each column's bind
processor), and nothing the old path refuses gets through."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, Table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import sqlite

from ld_desktop.store import prepared
from ld_desktop.store.models import SYNCED_MODELS, SyncedRecord
from ld_desktop.store.new_rows import NewRows, without_nulls
from ld_desktop.store.pull_batch import _new_row, _refers_to_held
from ld_desktop.store.wire_reader import UnreadableRecord, read_fields, required_fields
from ld_desktop.store.wire_values import synced_fields
from sync.protocol import RecordState

DIALECT = sqlite.dialect()
MODELS = sorted(SYNCED_MODELS)
CLOCK = {"created_at", "updated_at"}   # set from the clock when the row is made
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                         timezone(timedelta(hours=-11)), None])
JUNK = st.one_of(st.text(max_size=12), st.integers(), st.booleans(),
                 st.floats(allow_nan=False), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _awkward_case(text: str, flips: list[bool]) -> str:
    flips = (flips + [False] * len(text))[:len(text)]
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


@st.composite
def uuids(draw: st.DrawFn) -> Any:
    value = draw(st.uuids())
    shape = draw(st.sampled_from(["canonical", "case", "hex", "braces", "urn", "junk"]))
    if shape == "canonical":
        return str(value)
    if shape == "case":   # odd but valid: any mix of upper and lower case
        return _awkward_case(str(value), draw(st.lists(st.booleans(), max_size=36)))
    if shape == "hex":
        return value.hex.upper()
    if shape == "braces":
        return "{" + str(value) + "}"
    if shape == "urn":
        return value.urn
    return draw(st.one_of(JUNK, st.just(str(value)[:-1] + "g"), st.just(str(value) + " ")))


@st.composite
def datetimes(draw: st.DrawFn) -> Any:
    moment = draw(st.one_of(
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59,
                                                                       59, 999999)),
        st.sampled_from([datetime.min, datetime.max, datetime(2000, 2, 29, 23, 59, 59)])))
    zone = draw(ZONES)
    if zone is not None:
        moment = moment.replace(tzinfo=zone)
    shape = draw(st.sampled_from(["wire", "wire", "seconds", "space", "comma", "junk",
                                  "bad day"]))
    if shape == "wire":
        return moment.isoformat(timespec="microseconds")
    if shape == "seconds":
        return moment.isoformat(timespec="seconds")
    if shape == "space":
        return moment.isoformat(" ", "microseconds")
    if shape == "comma":
        return moment.isoformat(timespec="microseconds").replace(".", ",")
    if shape == "bad day":   # the server's shape, not a real day
        return "2026-02-30T10:00:00.000000+00:00"
    return draw(JUNK)


@st.composite
def dates(draw: st.DrawFn) -> Any:
    day = draw(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
    shape = draw(st.sampled_from(["wire", "wire", "basic", "junk", "bad day"]))
    if shape == "wire":
        return day.isoformat()
    if shape == "basic":
        return day.strftime("%Y%m%d") if day.year >= 1000 else day.isoformat()
    if shape == "bad day":
        return "2025-02-29"
    return draw(JUNK)


def _wire_value(column_type: object) -> st.SearchStrategy[Any]:
    from sqlalchemy import Boolean, Date, Float, Integer, String, Uuid

    from ld_desktop.store.models.base import UTCDateTime

    if isinstance(column_type, UTCDateTime):
        return datetimes()
    if isinstance(column_type, Date):
        return dates()
    if isinstance(column_type, Uuid):
        return uuids()
    if isinstance(column_type, Boolean):
        return st.one_of(st.booleans(), JUNK)
    if isinstance(column_type, Integer):
        return st.one_of(st.integers(-2**63, 2**63 - 1), JUNK)
    if isinstance(column_type, Float):
        return st.one_of(st.floats(allow_nan=False), st.integers(), JUNK)
    if isinstance(column_type, String):   # awkward text: any code point but surrogates
        return st.one_of(st.text(), st.text(alphabet=st.sampled_from("'\"\\\n\0é🙂")), JUNK)
    return st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6),
                        lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                        max_leaves=6)


@st.composite
def wire_records(draw: st.DrawFn, model: type[SyncedRecord] | None = None
                 ) -> tuple[type[SyncedRecord], dict[str, Any]]:
    if model is None:
        model = SYNCED_MODELS[draw(st.sampled_from(MODELS))]
    columns = {c.key: c for c in sa_inspect(model).columns}
    fields: dict[str, Any] = {}
    required = required_fields(model)
    for name in synced_fields(model):
        how = draw(st.sampled_from(["value"] * 6 + ["null", "absent"]))
        if how == "value" or (name in required and draw(st.integers(0, 9)) > 0):
            fields[name] = draw(_wire_value(columns[name].type))
        elif how == "null":
            fields[name] = None
    if draw(st.booleans()):
        fields["a_newer_versions_field"] = draw(JUNK)
    return model, fields


def _old_stored(model: type[SyncedRecord], fields: dict[str, Any]) -> dict[str, Any] | None:
    """The old path's stored values of a new record's synced fields, or None if refused
    (unreadable, or a value its bind processor refuses: the old path fails the page)."""
    try:
        values = read_fields(model, fields, new=True)
    except UnreadableRecord:
        return None
    table = prepared.statements_for(cast(Table, sa_inspect(model).local_table), DIALECT)
    json = {c.key for c in sa_inspect(model).columns if isinstance(c.type, JSON)}
    try:
        return {name: table.bind_one(name, value) for name, value in values.items()
                if value is not None or name in json}
    except (ValueError, TypeError, OverflowError):
        return None


def _exactly(value: Any) -> tuple[type, Any]:
    return type(value), value


@settings(deadline=None, max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(wire_records())
@example((SYNCED_MODELS["person"], {
    "site_id": "0F8FAD5B-D9CB-469F-A165-70867728950E", "given_name": "Zoë", "family_name": "O'Neil",
    "date_of_birth": "0001-01-01", "created_at": "9999-12-31T23:59:59.999999+00:00"}))
@example((SYNCED_MODELS["case"], {
    "person_id": str(uuid.UUID(int=0)), "site_id": str(uuid.UUID(int=2**128 - 1)),
    "referral_source": "", "referral_time": "0001-01-01T00:00:00.000000+00:00",
    "contact_type": "\0"}))
@example((SYNCED_MODELS["person"], {   # the server's shapes, not a real day
    "site_id": str(uuid.uuid4()), "given_name": "A", "family_name": "B",
    "created_at": "2026-02-30T10:00:00.000000+00:00"}))
@example((SYNCED_MODELS["person"], {
    "site_id": str(uuid.uuid4()), "given_name": "A", "family_name": "B",
    "date_of_birth": "2025-02-29"}))
@example((SYNCED_MODELS["person"], {"site_id": str(uuid.uuid4()), "given_name": "A"}))
def test_stored_values_are_the_old_paths_and_refuse_what_it_refused(
        record: tuple[type[SyncedRecord], dict[str, Any]]) -> None:
    """One record of every shape the wire can carry, alone in its batch (a refused one
    comes out as None: it is then read the old way, with its reason)."""
    model, fields = record
    _assert_rows_are_the_old_rows(model, [RecordState(
        entity=model.__entity__, entity_id=uuid.uuid4(), seq=1, fields=fields,
        versions=dict.fromkeys(fields, "v1"), deleted=False)])


@st.composite
def batches(draw: st.DrawFn) -> tuple[type[SyncedRecord], list[RecordState]]:
    """Records of one type, as a pulled page holds them: a column of one shape (every
    identifier canonical) or mixed (nulls, odd shapes, values the old path refuses)."""
    model = SYNCED_MODELS[draw(st.sampled_from(MODELS))]
    states = []
    for _ in range(draw(st.integers(1, 6))):
        fields = draw(wire_records(model))[1] \
            if draw(st.booleans()) else _usual_fields(model, draw)
        versions = draw(st.one_of(
            st.just(dict.fromkeys(synced_fields(model), "v1")),
            st.dictionaries(st.sampled_from([*synced_fields(model)[:3], "_deleted", "x"]),
                            st.sampled_from(["v1", "v2", "é\""]), max_size=4)))
        states.append(RecordState(entity=model.__entity__, entity_id=draw(st.uuids()), seq=1,
                                  fields=fields, versions=versions,
                                  deleted=draw(st.booleans())))
    return model, states


def _usual_fields(model: type[SyncedRecord], draw: st.DrawFn) -> dict[str, Any]:
    """Every field in the server's own shape (the batch's quick path)."""
    from sqlalchemy import Boolean, Date, Integer, Uuid

    from ld_desktop.store.models.base import UTCDateTime

    columns = {c.key: c for c in sa_inspect(model).columns}
    fields: dict[str, Any] = {}
    for name in synced_fields(model):
        kind = columns[name].type
        if isinstance(kind, UTCDateTime):
            fields[name] = draw(st.datetimes(timezones=st.just(UTC))).isoformat(
                timespec="microseconds")
        elif isinstance(kind, Date):
            fields[name] = draw(st.dates()).isoformat()
        elif isinstance(kind, Uuid):
            fields[name] = str(draw(st.uuids()))
        elif isinstance(kind, Boolean):
            fields[name] = draw(st.booleans())
        elif isinstance(kind, Integer):
            fields[name] = draw(st.integers(-2**63, 2**63 - 1))
        elif isinstance(kind, JSON):
            fields[name] = draw(st.one_of(st.none(), st.lists(st.text(max_size=3), max_size=2),
                                          st.dictionaries(st.text(max_size=3), st.integers(),
                                                          max_size=2)))
        else:
            fields[name] = draw(st.text(max_size=8))
    return fields


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_a_batchs_new_rows_are_the_old_rows_bytes(
        batch: tuple[type[SyncedRecord], list[RecordState]]) -> None:
    """Each row the batch conversion makes stores what the old path (``read_fields``,
    ``_new_row``, each column's bind processor) stored, byte for byte; a record the old path
    refuses comes out as None (it is then read the old way, and set aside)."""
    _assert_rows_are_the_old_rows(*batch)


def _assert_rows_are_the_old_rows(model: type[SyncedRecord], states: list[RecordState]
                                  ) -> None:
    plan = NewRows.for_model(model, DIALECT)
    assert plan is not None
    rows = plan.rows(states)
    table = prepared.statements_for(cast(Table, sa_inspect(model).local_table), DIALECT)
    clock = set()
    for state, row in zip(states, rows, strict=True):
        if _old_stored(model, state.fields) is None:
            assert row is None
            continue
        assert row is not None
        new = dict(zip(plan.keys, row, strict=True))
        old = _new_row(model, state, read_fields(model, state.fields, new=True))
        expected = {key: table.bind_one(key, value) for key, value in old.items()}
        # a column the old row left out has no default: NULL either way
        assert set(expected) <= set(new)
        assert all(new[key] is None for key in set(new) - set(expected))
        assert ({k: _exactly(v) for k, v in new.items() if k in expected and k not in CLOCK}
                == {k: _exactly(v) for k, v in expected.items() if k not in CLOCK})
        clock.add(new["updated_at"])
    assert len(clock) <= 1   # one time for the batch, in utc_text's form
    for text in clock:
        assert text == prepared.utc_text(datetime.fromisoformat(text).replace(tzinfo=UTC))


def test_a_reference_to_a_set_aside_record_takes_the_old_path() -> None:
    person = uuid.uuid4()
    state = RecordState(entity="case", entity_id=uuid.uuid4(), seq=1, versions={}, fields={
        "person_id": str(person).upper(), "site_id": str(uuid.uuid4()),
        "referral_source": "police", "referral_time": "2026-11-30T10:00:00.000000+00:00",
        "contact_type": "in person"})
    plan = NewRows.for_model(SYNCED_MODELS["case"], DIALECT)
    assert plan is not None
    (row,) = plan.rows([state])
    assert row is not None
    assert not _refers_to_held((plan, row), {uuid.uuid4()})
    assert _refers_to_held((plan, row), {person})


@pytest.mark.parametrize("value", ["2026-11-30T10:00:00.000000+00:00",
                                   "2026-11-30T10:00:00+00:00", "2026-11-30T15:30:00+05:30"])
def test_datetimes_are_stored_as_utc_text(value: str) -> None:
    fields = {"site_id": str(uuid.uuid4()), "given_name": "A", "family_name": "B",
              "created_at": value}
    plan = NewRows.for_model(SYNCED_MODELS["person"], DIALECT)
    assert plan is not None
    (row,) = plan.rows([RecordState(entity="person", entity_id=uuid.uuid4(), seq=1,
                                    fields=fields, versions={}, deleted=False)])
    assert row is not None
    assert dict(zip(plan.keys, row, strict=True))["created_at"] == "2026-11-30 10:00:00.000000"


@given(st.lists(st.tuples(st.none() | st.just("a"), st.none() | st.integers(0, 2),
                          st.just("k"), st.none()), max_size=8))
def test_rows_leave_out_exactly_their_null_columns(rows: list[tuple[Any, ...]]) -> None:
    keys = ("a", "b", "c", "d")
    groups = without_nulls(keys, rows)
    rebuilt = []
    for kept, members in groups:
        assert "d" not in kept   # never given
        assert "c" in kept       # always given
        for row in members:
            assert None not in row
            rebuilt.append(tuple(dict(zip(kept, row, strict=True)).get(k) for k in keys))
    assert sorted(rebuilt, key=repr) == sorted(rows, key=repr)
