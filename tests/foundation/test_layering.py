"""The layers in docs/ARCHITECTURE.md, enforced: import-linter's contracts, plus a direct
check of the modules themselves so a broken contract file cannot hide a violation."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
            if node.module.startswith("ld_desktop."):
                found.add(".".join(node.module.split(".")[:2]))
    return found


def _modules(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "versions" not in p.parts]


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_domain_is_pure() -> None:
    banned = {"PySide6", "sqlalchemy", "sqlcipher3", "alembic", "httpx", "fastapi", "sync"}
    for path in _modules("ld_desktop/domain"):
        assert not (_imports(path) & banned), path


def test_ui_never_touches_the_store_and_only_the_store_uses_sqlalchemy() -> None:
    for layer in ("ld_desktop/ui", "ld_desktop/services", "ld_desktop/cli"):
        for path in _modules(layer):
            used = _imports(path)
            assert "sqlalchemy" not in used, path
            if layer == "ld_desktop/ui":
                assert "ld_desktop.store" not in used, path
    for layer in ("ld_desktop/services", "ld_desktop/store", "ld_desktop/cli", "sync"):
        for path in _modules(layer):
            assert "PySide6" not in _imports(path), path


def test_sync_knows_nothing_of_the_app_and_only_its_server_uses_fastapi() -> None:
    for path in _modules("sync"):
        used = _imports(path)
        assert "ld_desktop" not in used, path
        if "server" not in path.relative_to(ROOT / "sync").parts:
            assert not (used & {"fastapi", "starlette", "uvicorn"}), path
