"""The instruments a workstation offers: the files shipped in resources/instruments plus any
licensed definitions the service imported into its store. Every file is validated at load;
an invalid one gives an error naming the file and the bad field."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ld_desktop.domain.instruments import (
    DefinitionError,
    InstrumentDefinition,
    parse_definition,
)
from ld_desktop.resources import resource_path

SCHEMA_FILE = "schema.json"


def instruments_dir() -> Path:
    return resource_path("instruments")


def validate_definition_file(path: Path) -> InstrumentDefinition:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise DefinitionError(str(path), [f"cannot be read ({exc.strerror})"]) from None
    except ValueError as exc:
        raise DefinitionError(str(path), [f"is not valid JSON ({exc})"]) from None
    return parse_definition(data, str(path))


class UnknownInstrument(KeyError):
    """No instrument with that id; str() is the plain message (KeyError's adds quotes)."""

    def __str__(self) -> str:
        return str(self.args[0])


class InstrumentLibrary:
    def __init__(self, definitions: Iterable[InstrumentDefinition],
                 problems: Iterable[str] = ()) -> None:
        self._by_id: dict[str, InstrumentDefinition] = {}
        for definition in definitions:   # later ones (imported) replace shipped ones
            self._by_id[definition.id] = definition
        self.problems = list(problems)   # imported definitions that no longer load, and why

    @classmethod
    def load(cls, extra: Iterable[dict[str, Any]] = ()) -> InstrumentLibrary:
        """Shipped definitions must load. An imported one recorded before a stricter rule
        (e.g. pro-rating must cite its source) is left out with the reason in ``problems``,
        and the shipped definition of that id, if any, is used: re-import a corrected file."""
        shipped = [validate_definition_file(p) for p in sorted(instruments_dir().glob("*.json"))
                   if p.name != SCHEMA_FILE]
        imported, problems = [], []
        for data in extra:
            try:
                imported.append(parse_definition(data, f"imported {data.get('id', '?')}"))
            except DefinitionError as exc:
                problems.append(f"{exc} (not used; re-import a corrected file)")
        return cls([*shipped, *imported], problems)

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def get(self, instrument_id: str) -> InstrumentDefinition:
        try:
            return self._by_id[instrument_id]
        except KeyError:
            raise UnknownInstrument(f"No instrument called {instrument_id}. Known: "
                                    + ", ".join(self.ids()) + ".") from None

    def all(self) -> list[InstrumentDefinition]:
        return [self._by_id[i] for i in self.ids()]

    def offered_for(self, age: int | None) -> list[InstrumentDefinition]:
        """What may be offered: adult-only instruments are not offered to 10-17s."""
        return [d for d in self.all() if d.suitable_for(age)]


@lru_cache(maxsize=1)
def shipped_titles() -> dict[str, str]:
    """Short titles of the shipped instruments, for lists and timelines."""
    return {d.id: d.short_title for d in InstrumentLibrary.load().all()}
