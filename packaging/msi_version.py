"""The MSI version of this build, taken from the package (pyproject.toml), checked for MSI.

Windows Installer versions are major.minor.build with major and minor below 256 and build
below 65536; a fourth field is ignored by MajorUpgrade, so it is refused here.

    python packaging/msi_version.py          # prints e.g. 0.1.0
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def msi_version(version: str) -> str:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if match is None:
        raise ValueError(f"version {version!r} is not major.minor.build, which an MSI needs")
    major, minor, build = (int(part) for part in match.groups())
    if major > 255 or minor > 255 or build > 65535:
        raise ValueError(f"version {version!r} is out of an MSI's range (255.255.65535)")
    return f"{major}.{minor}.{build}"


def package_version(pyproject: Path = PYPROJECT) -> str:
    return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


if __name__ == "__main__":
    try:
        print(msi_version(package_version()))
    except ValueError as error:
        print(f"msi_version: {error}", file=sys.stderr)
        raise SystemExit(2) from None
