"""The configurable directory of onward-referral services (resources/codes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from ld_desktop.resources import resource_path

DIRECTORY_FILE = ("codes", "service-directory.json")


@dataclass(frozen=True)
class DirectoryService:
    code: str
    name: str
    category: str
    youth: bool = False


@lru_cache(maxsize=1)
def load_directory() -> tuple[DirectoryService, ...]:
    path = resource_path(*DIRECTORY_FILE)
    try:
        data = json.loads(path.read_text("utf-8"))
        return tuple(
            DirectoryService(s["code"], s["name"], s["category"], bool(s.get("youth", False)))
            for s in data["services"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"The service directory {path} could not be read: {exc}") from exc


def find(code: str) -> DirectoryService:
    for service in load_directory():
        if service.code == code:
            return service
    raise ValueError(f"{code!r} is not in the service directory.")
