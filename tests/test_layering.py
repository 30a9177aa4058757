"""The layering in pyproject.toml, enforced two ways: import-linter's contracts (the
dependency graph, including indirect imports) and a direct AST scan of the source, so that a
weakened contract or a lazy import inside a function cannot hide a violation."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: the domain is pure: no Qt, no database, no network, no process or OS-level I/O
DOMAIN_FORBIDDEN = {
    "PySide6", "shiboken6", "sqlalchemy", "sqlcipher3", "sqlite3", "alembic", "httpx",
    "fastapi", "starlette", "uvicorn", "psycopg", "requests", "urllib", "http", "socket",
    "ssl", "subprocess", "shutil", "tempfile", "os", "platformdirs", "sync",
    "ld_desktop.store", "ld_desktop.services", "ld_desktop.ui", "ld_desktop.cli",
}
#: only sync.server speaks HTTP as a server
SERVER_ONLY = {"fastapi", "starlette", "uvicorn"}


def _imported_names(tree: ast.AST) -> set[str]:
    """Every module an import statement names, as each dotted prefix ("a", "a.b", "a.b.c"),
    wherever the statement is (module level, inside functions, under TYPE_CHECKING)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__" \
                and node.args and isinstance(node.args[0], ast.Constant):
            modules = [str(node.args[0].value)]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            names.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return names


@functools.cache
def _imports_of(path: Path) -> frozenset[str]:
    """One parse per file per session: the tests below scan the same folders for different
    names (ui three times, domain three times), and parsing ~1.6 MB of source is the cost."""
    return frozenset(_imported_names(ast.parse(path.read_text("utf-8"), str(path))))


def _violations(folder: Path, forbidden: set[str], skip: Path | None = None,
                root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        if skip is not None and skip in path.parents:
            continue
        names = _imports_of(path)
        for bad in sorted(names & forbidden):
            found.append(f"{path.relative_to(root)} imports {bad}")
    return found


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), "import-linter is not installed in this environment"
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
        timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout
    assert "0 broken" in done.stdout


def test_domain_is_pure() -> None:
    assert _violations(ROOT / "ld_desktop" / "domain", DOMAIN_FORBIDDEN) == []


def test_only_sync_server_imports_web_frameworks() -> None:
    assert _violations(ROOT / "sync", SERVER_ONLY, skip=ROOT / "sync" / "server") == []
    assert _violations(ROOT / "ld_desktop", SERVER_ONLY) == []


def test_sync_knows_nothing_of_the_app() -> None:
    assert _violations(ROOT / "sync", {"ld_desktop"}) == []


def test_only_the_store_imports_sqlalchemy_on_the_app_side() -> None:
    outside_store = [
        v for folder in ("domain", "services", "ui", "cli")
        for v in _violations(ROOT / "ld_desktop" / folder, {"sqlalchemy", "sqlcipher3",
                                                             "alembic"})
    ]
    assert outside_store == []


def test_the_ui_never_imports_the_store() -> None:
    assert _violations(ROOT / "ld_desktop" / "ui", {"ld_desktop.store"}) == []


def test_core_has_no_qt() -> None:
    core = [
        v for folder in ("domain", "store", "services", "cli")
        for v in _violations(ROOT / "ld_desktop" / folder, {"PySide6", "shiboken6"})
    ]
    assert core + _violations(ROOT / "sync", {"PySide6"}) == []


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import sqlalchemy.orm", "sqlalchemy"),
        ("from PySide6.QtWidgets import QWidget", "PySide6"),
        ("def f():\n    import httpx\n", "httpx"),
        ("from ld_desktop.store.models import Person", "ld_desktop.store"),
        ("import os.path", "os"),
        ("__import__('sqlcipher3')", "sqlcipher3"),
        ("from fastapi import FastAPI", "fastapi"),
    ],
)
def test_the_scan_catches_violations(tmp_path: Path, source: str, bad: str) -> None:
    """The AST scan is not vacuous: each of these would be reported."""
    (tmp_path / "probe.py").write_text(source)
    assert _violations(tmp_path, DOMAIN_FORBIDDEN, root=tmp_path) == [f"probe.py imports {bad}"]
