"""What can be checked on Linux of the Windows MSI recipe and the bundle (issue 19).

The MSI itself is built only by .github/workflows/windows.yml on a Windows runner; here we
check its inputs: the version an MSI will accept, the WiX source's fixed identity and
per-machine scope, the PyInstaller spec's data, and that a bundle finds its resources.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIX = "{http://wixtoolset.org/schemas/v4/wxs}"
UPGRADE_CODE = "8A5B9D73-4DCF-42CA-B0D0-E2FD7FA92D81"   # fixed for ever: never change it


def _load(name: str, path: Path) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


msi = _load("msi_version", ROOT / "packaging" / "msi_version.py")


def test_the_package_version_is_a_valid_msi_version() -> None:
    version = msi.package_version()  # type: ignore[attr-defined]
    assert msi.msi_version(version) == version  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", ["1.2", "1.2.3.4", "256.0.0", "1.0.65536", "1.0.0rc1", "v1.0.0"])
def test_versions_an_msi_cannot_carry_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"MSI|major\.minor\.build"):
        msi.msi_version(bad)  # type: ignore[attr-defined]


def test_wix_source_is_per_machine_with_a_fixed_upgrade_code() -> None:
    tree = ET.parse(ROOT / "packaging" / "windows" / "ld-desktop.wxs")
    package = tree.getroot().find(f"{WIX}Package")
    assert package is not None
    assert package.get("UpgradeCode") == UPGRADE_CODE
    assert package.get("Scope") == "perMachine"
    assert package.get("Version") == "$(var.Version)"          # from the package, per build
    assert package.find(f"{WIX}MajorUpgrade") is not None       # a new MSI replaces the old
    folders = [d.get("Id") for d in package.iter(f"{WIX}StandardDirectory")]
    assert "ProgramFiles64Folder" in folders
    files = package.find(f".//{WIX}Files")
    assert files is not None
    assert files.get("Include") == "$(var.SourceDir)\\**"


def test_windows_workflow_builds_tests_and_round_trips_silently() -> None:
    text = (ROOT / ".github" / "workflows" / "windows.yml").read_text()
    for needed in ("packaging/ld-desktop.spec", "--self-test", "packaging/msi_version.py",
                   "wix build", "/qn", "msiexec.exe -ArgumentList \"/x", "signtool sign"):
        assert needed in text, needed


def _spec_datas() -> list[tuple[str, str]]:
    tree = ast.parse((ROOT / "packaging" / "ld-desktop.spec").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Analysis":
            datas = next(k.value for k in node.keywords if k.arg == "datas")
            assert isinstance(datas, ast.List)
            pairs = []
            for element in datas.elts:
                assert isinstance(element, ast.Tuple)
                source = ast.unparse(element.elts[0])
                target = ast.literal_eval(element.elts[1])
                pairs.append((source, target))
            return pairs
    raise AssertionError("no Analysis(...) in the spec")


def test_spec_ships_resources_and_both_sets_of_migrations() -> None:
    targets = {target for _, target in _spec_datas()}
    assert {"resources", "ld_desktop/store/migrations", "sync/server/migrations"} <= targets
    for target in targets:
        assert (ROOT / target).is_dir(), target


def test_a_bundle_finds_its_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ld_desktop import resources

    (tmp_path / "resources" / "instruments").mkdir(parents=True)
    monkeypatch.delenv("LD_DESKTOP_RESOURCES", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"
    assert resources.resource_path("instruments").is_dir()
