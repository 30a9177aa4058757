"""The app-to-national code mapping (resources/codes/mhsds.json), as data: each code with
its status and source. A code whose status is 'unverified' maps to nothing, so the return
leaves the cell empty rather than guess; every lookup is counted for the manifest."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ld_desktop.resources import resource_path

MAPPING_FILE = ("codes", "mhsds.json")
STATUSES = ("verified", "corroborated", "unverified")


@dataclass(frozen=True)
class NationalCode:
    field: str
    app: str
    national: str | None
    meaning: str
    status: str
    source: str | None


class CodeMappingError(ValueError):
    """The mapping file is malformed (a status or source that does not exist)."""


@dataclass(frozen=True)
class CodeMapping:
    codes: dict[tuple[str, str], NationalCode]
    sha256: str
    path: Path

    @classmethod
    def load(cls, path: Path | None = None) -> CodeMapping:
        path = path or resource_path(*MAPPING_FILE)
        raw = path.read_bytes()
        data: dict[str, Any] = json.loads(raw)
        sources = set(data.get("sources", {}))
        codes: dict[tuple[str, str], NationalCode] = {}
        for name, spec in data.get("fields", {}).items():
            for entry in spec.get("codes", []):
                code = NationalCode(name, str(entry["app"]), entry.get("national"),
                                    str(entry.get("meaning", "")), str(entry["status"]),
                                    entry.get("source"))
                if code.status not in STATUSES:
                    raise CodeMappingError(f"{name} {code.app}: unknown status {code.status!r}")
                if code.source is not None and code.source not in sources:
                    raise CodeMappingError(f"{name} {code.app}: unknown source {code.source!r}")
                if code.status == "unverified" and code.national is not None:
                    raise CodeMappingError(
                        f"{name} {code.app}: an unverified code must not be used")
                if code.status != "unverified" and not (code.national and code.source):
                    raise CodeMappingError(f"{name} {code.app}: a used code needs a source")
                codes[(name, code.app)] = code
        return cls(codes, hashlib.sha256(raw).hexdigest(), path)

    def fields(self) -> set[str]:
        return {name for name, _ in self.codes}


@cache
def default_mapping() -> CodeMapping:
    return CodeMapping.load()


@dataclass
class CodeUse:
    """Counts every lookup during one return, for its manifest."""

    mapping: CodeMapping
    used: Counter[tuple[str, str, str]] = field(default_factory=Counter)   # field, app, status

    def national(self, field_name: str, app_code: str | None) -> str:
        if app_code is None or app_code == "":
            return ""
        code = self.mapping.codes.get((field_name, app_code))
        status = code.status if code is not None else "unmapped"
        self.used[(field_name, app_code, status)] += 1
        return (code.national or "") if code is not None else ""

    def summary(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for (name, app, status), count in sorted(self.used.items()):
            code = self.mapping.codes.get((name, app))
            found.setdefault(status, []).append({
                "field": name, "app_code": app, "rows": count,
                "national_code": code.national if code else None})
        return found
