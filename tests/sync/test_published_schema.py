"""The sync schema the app publishes: the committed file is what the generator makes, and
every change the real app records fits it (so the server never refuses honest work)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ld_desktop.resources import resource_path
from ld_desktop.services.demo_setup import DEMO_ACCOUNTS, create_demo_store
from ld_desktop.services.workstation import Workstation
from ld_desktop.store import sync_schema
from ld_desktop.store.replica import StoreReplica
from sync.protocol import Op
from sync.server.op_checks import FieldSchema
from sync.server.settings import default_schema_path


def test_the_committed_schema_is_what_the_generator_makes() -> None:
    committed = resource_path(sync_schema.SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == sync_schema.render(), (
        "resources/sync-schema.json is out of date: run python -m ld_desktop.store.sync_schema")
    assert sync_schema.main(["--check"]) == 0


def test_the_server_finds_the_published_schema_by_default() -> None:
    assert default_schema_path().resolve() == resource_path("sync-schema.json").resolve()


@pytest.fixture(scope="module")
def demo_outbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Op]]:
    folder: Path = tmp_path_factory.mktemp("demo") / "store"
    create_demo_store(cases=25, folder=folder)
    name = "demo.senior"
    session = Workstation(folder).unlock(name, DEMO_ACCOUNTS[name][1])
    try:
        yield StoreReplica(session.store, "demo-device").pending_ops(100_000)
    finally:
        session.lock()


def test_every_change_the_app_records_fits_the_schema(demo_outbox: list[Op]) -> None:
    schema = FieldSchema.load(default_schema_path())
    assert {op.entity for op in demo_outbox} >= {"case", "note", "person", "site", "staff"}
    problems = {(op.entity, schema.op_problem(op)) for op in demo_outbox}
    assert {problem for problem in problems if problem[1] is not None} == set()


def test_the_schema_refuses_what_the_app_could_not_read(demo_outbox: list[Op]) -> None:
    schema = FieldSchema.load(default_schema_path())
    person = next(op for op in demo_outbox if op.entity == "person" and "date_of_birth"
                  in op.fields)
    broken = person.model_copy(update={"fields": {**person.fields,
                                                  "date_of_birth": "not-a-date"}})
    assert "date_of_birth" in (schema.op_problem(broken) or "")
    case = next(op for op in demo_outbox if op.entity == "case" and "stage" in op.fields)
    broken = case.model_copy(update={"fields": {**case.fields, "stage": "teleported"}})
    assert "stage must be one of" in (schema.op_problem(broken) or "")
