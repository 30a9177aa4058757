"""Every schema version has a stored fixture database; opening it with today's code migrates
it to the newest schema with its data intact. The models and the migrations agree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ld_desktop.services.cases import CaseFilter
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.migrations.runner import head_revision
from ld_desktop.store.models import Base
from ld_desktop.store.store import Store

FIXTURES = Path(__file__).with_name("fixtures") / "history"
PASSPHRASE = "fixture passphrase for tests"


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("schema_*") if p.is_dir())


def test_there_is_a_fixture_for_the_newest_schema() -> None:
    assert f"schema_{head_revision()}" in {p.name for p in _fixtures()}, (
        "add a fixture: .venv/bin/python tests/store/fixtures/history/make_fixture.py")


@pytest.mark.parametrize("fixture", _fixtures(), ids=lambda p: p.name)
def test_fixture_upgrades_with_data_intact(fixture: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / fixture.name
    shutil.copytree(fixture, store_dir)
    ws = Workstation(store_dir)
    session = ws.unlock("prac1", "practitioner fixture phrase")
    rows = session.cases.page(CaseFilter(), 0, 100)
    assert sorted(r.person_name for r in rows) == [
        "FIXTURESON, Fixed", "MIGRATELEY, Fixed", "UPGRADEWELL, Fixed"]
    assert [p.nhs_number for p in session.persons.search("fixtureson")] == ["9434765919"]
    notes = session.notes.for_case(rows[0].id)
    assert len(notes) == 1
    session.lock()
    admin = ws.unlock("admin1", PASSPHRASE)
    report = admin.maintenance.verify()
    admin.lock()
    assert report.healthy, report


def test_models_match_the_migrated_schema(tmp_path: Path) -> None:
    import os

    store = Store.create(tmp_path / "s", os.urandom(32), "Schema check")
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn)
            diffs = [
                d for d in compare_metadata(context, Base.metadata)
                if "person_search" not in repr(d)
            ]
    finally:
        store.close()
    assert diffs == []
