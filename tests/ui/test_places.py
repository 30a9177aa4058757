"""The place registry (``ui/places.py``, issue 18): it is the only place a page is named;
every registered page keeps the ``Page`` protocol; each role sees the places its permissions
allow, in the registry's order; and each place's shortcut, pressed on the real window, shows
it (and does nothing for a role that may not see it)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

import ld_desktop.ui
from ld_desktop.domain.roles import PERMISSIONS
from ld_desktop.services.demo_setup import DEMO_ACCOUNTS
from ld_desktop.services.views import Changes
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.page import Page, PageWidget
from ld_desktop.ui.places import PLACES

UI = Path(ld_desktop.ui.__file__).parent
REGISTRY = UI / "places.py"

#: what each role saw in the navigation before the registry (the order must not change)
NAV_BY_ROLE = {
    "demo.senior": ["Caseload", "Cases", "People", "Screening", "Handover", "Conflicts",
                    "Rota", "Sync", "Reports"],
    "demo.practitioner": ["Caseload", "Cases", "People", "Screening", "Handover", "Sync",
                          "Reports"],
    "demo.admin": ["Sync", "Admin"],   # reports count people and cases: not for an admin
}


@pytest.fixture
def open_as(qtbot, demo_dir: Path, accounts  # type: ignore[no-untyped-def]
            ) -> Iterator[Callable[[str], MainWindow]]:
    windows: list[MainWindow] = []

    def unlocked(username: str) -> MainWindow:
        window = MainWindow(Workstation(demo_dir), banner="DEMO")
        qtbot.addWidget(window)
        window.start_session(Workstation(demo_dir).unlock(username, accounts[username]))
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=3_000)
        windows.append(window)
        return window

    yield unlocked
    for window in windows:
        window.lock("test finished")


# ---------------------------------------------------------------------------- one registry
def _ui_modules() -> Iterator[Path]:
    yield from (path for path in sorted(UI.rglob("*.py")) if path != REGISTRY)


def _page_classes() -> dict[str, Path]:
    """Every page class in the app (a PageWidget subclass) and the module defining it."""
    for module in pkgutil.walk_packages(ld_desktop.ui.__path__, "ld_desktop.ui."):
        importlib.import_module(module.name)
    found: dict[str, Path] = {}
    todo = list(PageWidget.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        module = importlib.import_module(cls.__module__)
        assert module.__file__ is not None
        found[cls.__name__] = Path(module.__file__)
    return found


def _isinstance_targets(tree: ast.AST) -> set[int]:
    """Nodes that are only a type check (``isinstance(x, SomePage)``), which names no place."""
    return {id(node.args[1]) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance" and len(node.args) == 2}


def _headings(tree: ast.AST) -> set[int]:
    """The ``title = "..."`` of a page class: its own heading, not a reference to a place."""
    return {id(stmt.value) for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)
            for stmt in cls.body if isinstance(stmt, ast.Assign)
            and [getattr(t, "id", None) for t in stmt.targets] == ["title"]}


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}


def naming_outside_the_registry(path: Path, pages: dict[str, Path], places: set[str],
                                stages: set[str]) -> list[str]:
    """Where ``path`` names a page: a page class other than its own (imported for anything
    but a type check, ``isinstance(widget, CasePage)``), a place's name as a literal, or a
    screenshot stage in a lookup (a comparison, or a table of two or more)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checks, allowed = _isinstance_targets(tree), _headings(tree) | _docstrings(tree)
    where: list[str] = []
    imported: dict[str, int] = {}
    type_checked: set[str] = set()
    for node in ast.walk(tree):
        name = (node.id if isinstance(node, ast.Name) else node.attr
                if isinstance(node, ast.Attribute) else node.name
                if isinstance(node, ast.alias) else None)
        if name not in pages or pages[name] == path:
            pass   # not a page class, or its own module
        elif isinstance(node, ast.alias):
            imported[name] = getattr(node, "lineno", 0)
        elif id(node) in checks:
            type_checked.add(name)
        else:
            where.append(f"{path.name}:{getattr(node, 'lineno', '?')} page class {name}")
        if (isinstance(node, ast.Constant) and node.value in places
                and id(node) not in allowed):
            where.append(f"{path.name}:{node.lineno} place {node.value!r}")
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Constant) and side.value in stages:
                    where.append(f"{path.name}:{node.lineno} stage {side.value!r} compared")
        if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            named = [i.value for i in items if isinstance(i, ast.Constant) and i.value in stages]
            if len(named) >= 2:
                where.append(f"{path.name}:{node.lineno} stages {named} in a table")
    where += [f"{path.name}:{line} page class {name} imported"
              for name, line in imported.items() if name not in type_checked]
    return where


def test_the_registry_is_the_only_place_a_page_is_named() -> None:
    pages = _page_classes()
    assert {"CaseloadPage", "SyncPage", "AdminPage", "CasePage", "PersonPage"} <= set(pages)
    places = {place.name for place in PLACES}
    stages = {stage for place in PLACES for stage in place.stages()}
    found = [hit for path in _ui_modules()
             for hit in naming_outside_the_registry(path, pages, places, stages)]
    assert found == []


def test_the_scan_finds_the_old_ways_of_declaring_a_place(tmp_path: Path) -> None:
    """What the registry replaced (main_window's PLACES and role ifs, page_factory's dicts,
    screenshot_stage's NAV_PAGES, app.py's --page choices) is each caught."""
    old = tmp_path / "old.py"
    old.write_text('PLACES = ["Caseload", "Cases"]\n'
                   'if name == "Admin": pass\n'
                   'PLAIN = {"Sync": SyncPage}\n'
                   'NAV_PAGES = {"caseload": 1, "cases": 2}\n'
                   'if page == "handover": pass\n', encoding="utf-8")
    found = naming_outside_the_registry(old, {"SyncPage": UI / "pages" / "sync_page.py"},
                                        {"Caseload", "Cases", "Admin", "Sync"},
                                        {"caseload", "cases", "handover"})
    assert {int(hit.split(":")[1].split()[0]) for hit in found} == {1, 2, 3, 4, 5}, found


def test_places_have_unique_names_shortcuts_and_stages() -> None:
    for values in ([place.name for place in PLACES], [place.shortcut for place in PLACES],
                   [stage for place in PLACES for stage in place.stages()]):
        assert len(values) == len(set(values)), values
    for place in PLACES:
        assert not QKeySequence(place.shortcut).isEmpty(), place.name


# ---------------------------------------------------------------------------- per role
@pytest.mark.parametrize("username", list(NAV_BY_ROLE))
def test_each_role_sees_the_places_its_permissions_allow(
        open_as: Callable[[str], MainWindow], username: str) -> None:
    window = open_as(username)
    role = DEMO_ACCOUNTS[username][0]
    allowed = [place.name for place in PLACES
               if place.permission is None or place.permission in PERMISSIONS[role]]
    shown = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert shown == allowed == NAV_BY_ROLE[username]


@pytest.mark.parametrize("username", list(NAV_BY_ROLE))
def test_every_page_keeps_the_page_protocol(open_as: Callable[[str], MainWindow],
                                            username: str) -> None:
    window = open_as(username)
    for name in window.place_names:
        page = window.page(name)
        assert isinstance(page, Page), name
        assert isinstance(page, PageWidget), name
        assert isinstance(page.title, str), name
        assert page.title, name
        page.on_changes(Changes(frozenset()))   # touches nothing: nothing to do
        page.flush_drafts()
    if username != "demo.admin":   # the records a place opens are pages too
        session = window.session
        assert session is not None
        row = session.cases.caseload()[0]
        for open_record, record_id in ((window.open_case, row.id),
                                       (window.open_person, row.person_id)):
            open_record(record_id)
            assert isinstance(window.detail, Page)
            assert isinstance(window.detail.title, str)
            assert window.detail.title
            window.detail.on_changes(Changes(frozenset()))
    for page in window.page_by_name.values():
        page.close_for_lock()


def _press(qtbot, shortcut: str) -> None:  # type: ignore[no-untyped-def]
    """The keys of ``shortcut``, pressed where the keyboard focus is."""
    combination = QKeySequence(shortcut)[0]
    focus = QApplication.focusWidget()
    assert isinstance(focus, QWidget)
    qtbot.keyClick(focus, combination.key(), combination.keyboardModifiers())


@pytest.mark.parametrize("username", list(NAV_BY_ROLE))
def test_each_shortcut_shows_its_place_only_to_those_who_may_see_it(
        qtbot, open_as: Callable[[str], MainWindow], username: str) -> None:  # type: ignore[no-untyped-def]
    window = open_as(username)
    window.nav.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.nav, timeout=3_000)
    for place in reversed(PLACES):   # from the far end, so each press moves somewhere new
        before = window.pages.currentWidget()
        _press(qtbot, place.shortcut)
        qtbot.wait(20)
        if place.name in window.place_names:
            assert window.pages.currentWidget() is window.page_by_name[place.name], place.name
            assert window.nav.currentItem().text() == place.name
            assert window.nav.currentItem().toolTip() == f"{place.name} ({place.shortcut})"
        else:
            assert window.pages.currentWidget() is before, place.name
            assert place.name not in window.page_by_name
    if username == "demo.admin":
        return   # no records to open
    here = window.places[window.nav.currentRow()]
    session = window.session
    assert session is not None
    window.open_person(session.persons.page(0, 1)[0].id)
    assert window.detail is not None
    _press(qtbot, here.shortcut)   # the place's own shortcut leaves a record for it
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.page_by_name[here.name],
                    timeout=3_000)
    assert window.detail is None


def test_an_admin_pressing_the_reports_shortcut_stays_put_and_nothing_fails(
        qtbot, open_as: Callable[[str], MainWindow]) -> None:  # type: ignore[no-untyped-def]
    """Review: an admin saw a Reports place whose load failed with "An administrator may
    not view people and cases". Reports now needs the permission its service asks for."""
    window = open_as("demo.admin")
    window.nav.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.nav, timeout=3_000)
    before = window.pages.currentWidget()
    _press(qtbot, next(p for p in PLACES if p.name == "Reports").shortcut)
    qtbot.wait(50)
    assert window.pages.currentWidget() is before
    assert "Reports" not in window.place_names
    assert "Reports" not in window.page_by_name
