"""Every schema version has a stored fixture database (tests/store/fixtures/schema_<rev>,
made once by make_fixture.py and committed). Opening a copy with today's code runs Alembic
to head and finds every record intact; the models agree with the migrated schema."""

from __future__ import annotations

import ast
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from ld_desktop.services.cases import CaseFilter
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.engine import open_engine
from ld_desktop.store.keyslots import KeySlotFile
from ld_desktop.store.migrations import runner
from ld_desktop.store.models import Base
from ld_desktop.store.search_index import search_rowid
from ld_desktop.store.store import Store

FIXTURES = Path(__file__).with_name("fixtures")
ENV_PY = Path(runner.__file__).with_name("env.py")


def _fixture_dirs() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("schema_*") if p.is_dir())


def _raw(folder: Path, user: tuple[str, str]) -> Any:
    key = KeySlotFile.load(folder / "keyslots.json").unwrap_for_user(*user)
    conn = sqlcipher3.connect(str(folder / "ld-desktop.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _include_object_from_env_py() -> Callable[..., bool]:
    """env.py's own ``_include_object`` (env.py cannot be imported: it runs migrations)."""
    tree = ast.parse(ENV_PY.read_text("utf-8"))
    keep = [
        node for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name == "_include_object")
        or (isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "SEARCH_TABLE_PREFIX" for t in node.targets))
    ]
    assert len(keep) == 2, "env.py no longer defines _include_object/SEARCH_TABLE_PREFIX"
    namespace: dict[str, Any] = {"Any": Any}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(ENV_PY), "exec"), namespace)
    function: Callable[..., bool] = namespace["_include_object"]
    return function


def _schema_diffs(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _include_object_from_env_py(), "compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_oldest_schema_has_a_fixture() -> None:
    assert "schema_0001" in {p.name for p in _fixture_dirs()}


@pytest.mark.parametrize("fixture", _fixture_dirs(), ids=lambda p: p.name)
def test_fixture_is_really_at_its_revision(fixture: Path) -> None:
    manifest = json.loads((fixture / "manifest.json").read_text())
    assert fixture.name == f"schema_{manifest['revision']}"
    conn = _raw(fixture, tuple(manifest["admin"]))  # type: ignore[arg-type]
    try:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    assert revision == manifest["revision"]
    assert not list(fixture.glob("ld-desktop.db-*"))


@pytest.mark.parametrize("fixture", _fixture_dirs(), ids=lambda p: p.name)
def test_fixture_upgrades_to_head_with_data_intact(fixture: Path, tmp_path: Path) -> None:
    manifest = json.loads((fixture / "manifest.json").read_text())
    admin_user, prac_user = tuple(manifest["admin"]), tuple(manifest["practitioner"])
    folder = tmp_path / fixture.name
    shutil.copytree(fixture, folder)

    ws = Workstation(folder)
    prac = ws.unlock(*prac_user)            # opening runs the migrations
    try:
        # every record, as it was written
        stats = prac.maintenance.stats()
        for name in ("persons", "cases", "screenings", "notes", "pending_outbox_ops"):
            assert stats[name] == manifest["stats"][name], name
        expected_cases = {c for p in manifest["people"] for c in p["cases"]}
        rows = prac.cases.page(CaseFilter(), 0, 100)
        assert {str(r.id) for r in rows} == expected_cases
        by_family = {p.family_name: p for p in prac.persons.page(0, 100)}
        assert sorted(by_family) == sorted(p["family_name"] for p in manifest["people"])
        for person in manifest["people"]:
            assert str(by_family[person["family_name"]].id) == person["id"]

        ffion = prac.persons.open(uuid.UUID(manifest["people"][0]["id"]))
        assert ffion.aliases == ("Fifi Fix", "Fee Fixture")
        assert ffion.nhs_number == "9434765919"
        una = prac.persons.open(uuid.UUID(manifest["people"][2]["id"]))
        assert una.parent_carer == "Fictional parent, 01632 960001"
        milo_case = prac.cases.open(uuid.UUID(manifest["people"][1]["cases"][0]))
        assert (milo_case.stage, milo_case.urgency) == ("seen", "urgent")
        assert milo_case.custody_record_number == "FX/0002/26"
        assert milo_case.offences == ("Fixture offence 2",)

        # the search index came through the upgrade: one row per person, keyed by id
        for query, family in [("fixtureson", "Fixtureson"), ("fee fixture", "Fixtureson"),
                              ("943 476 5919", "Fixtureson"), ("FX/0003", "Upgradewell"),
                              ("03/03/2009", "Upgradewell"), ("migr", "Migrateley")]:
            assert [p.family_name for p in prac.persons.search(query)] == [family], query
        with prac.store.reading() as db:
            search_rows = db.execute(
                text("SELECT rowid, person_id FROM person_search ORDER BY person_id")).all()
            version = db.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == runner.head_revision()
        assert sorted(str(pid) for _, pid in search_rows) == sorted(
            p["id"] for p in manifest["people"])
        assert all(rowid == search_rowid(uuid.UUID(pid)) for rowid, pid in search_rows)

        # and today's code writes to it normally
        prac.persons.update(ffion.id, PersonDraft("Ffion", "Fixtureson-Newer"))
        assert [p.family_name for p in prac.persons.search("fixtureson")] == [
            "Fixtureson-Newer"]
        assert prac.maintenance.stats()["persons"] == manifest["stats"]["persons"]
    finally:
        prac.lock()

    admin = ws.unlock(*admin_user)
    try:
        report = admin.maintenance.verify()
    finally:
        admin.lock()
    assert report.healthy, report       # the audit chain runs unbroken across the upgrade

    engine = open_engine(folder / "ld-desktop.db",
                         KeySlotFile.load(folder / "keyslots.json").unwrap_for_user(*admin_user),
                         expect_existing=True)
    try:
        assert _schema_diffs(engine) == []   # the upgraded schema is exactly today's
    finally:
        engine.dispose()


def test_models_match_a_freshly_migrated_schema(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "fresh", os.urandom(32), "Schema check")
    try:
        diffs = _schema_diffs(store.engine)
        tables = set(Base.metadata.tables)
        with store.engine.connect() as conn:
            present = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        store.close()
    assert diffs == []
    assert tables <= present
    assert "person_search" in present        # ignored by the comparison, but there


def test_the_comparison_can_fail(tmp_path: Path) -> None:
    """Not vacuous: a column the migrations never made is reported."""
    store = Store.create(tmp_path / "fresh", os.urandom(32), "Schema check")
    try:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE person ADD COLUMN shoe_size INTEGER")
            conn.exec_driver_sql("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
        diffs = _schema_diffs(store.engine)
    finally:
        store.close()
    kinds = {(d[0], getattr(d[-1], "name", None)) for d in diffs if isinstance(d, tuple)}
    assert ("remove_column", "shoe_size") in kinds
    assert ("remove_table", "stray") in kinds


def test_include_object_ignores_only_the_search_tables() -> None:
    include = _include_object_from_env_py()
    for name in ("person_search", "person_search_data", "person_search_idx",
                 "person_search_config", "person_search_docsize", "person_search_content"):
        assert include(None, name, "table", True, None) is False
    for name in ("person", "case", "audit_event", "outbox"):
        assert include(None, name, "table", True, None) is True
