"""Code lists for person details, read from resources/codes (each code with its source):
NHS ethnic category and phenotypic sex."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from ld_desktop.resources import resource_path

ETHNIC_CATEGORY_FILE = ("codes", "ethnic-category.json")
SEX_FILE = ("codes", "person-sex.json")


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    source: str


@lru_cache(maxsize=4)
def _load(name: str) -> tuple[Code, ...]:
    path = resource_path("codes", name)
    try:
        data = json.loads(path.read_text("utf-8"))
        return tuple(Code(c["code"], c["label"], c["source"]) for c in data["codes"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"The code list {path} could not be read: {exc}") from exc


def ethnic_categories() -> tuple[Code, ...]:
    return _load(ETHNIC_CATEGORY_FILE[1])


def sex_codes() -> tuple[Code, ...]:
    return _load(SEX_FILE[1])


def ethnic_category_label(code: str) -> str:
    return next((c.label for c in ethnic_categories() if c.code == code), code)


def sex_label(code: str) -> str:
    return next((c.label for c in sex_codes() if c.code == code), code)
