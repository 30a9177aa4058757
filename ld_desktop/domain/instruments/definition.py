"""The instrument definition format (pydantic; JSON Schema exported to resources/).

One file per instrument version. Items are ``<instrument id>.<n>`` in published order; option
values are the published item scores. Licence flags follow CamCOPS: clinical, commercial and
research use, and whether the wording may ship with the app.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Scalar = int | float | str | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemKind(StrEnum):
    SINGLE = "single"       # one option, each with a score
    YES_NO = "yes-no"
    LIKERT = "likert"       # ordered options
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"
    MULTI = "multi"         # several options
    OBSERVATION = "observation"   # practitioner's observation (yes/no), not asked


class Condition(_Strict):
    """FHIR enableWhen-like: compare an answer (``item``), a score (``score``) or something
    recorded about the person (``context``, e.g. ``sex``), or combine."""

    item: str | None = None
    score: str | None = None
    context: Literal["sex"] | None = None
    op: Literal["eq", "ne", "in", "gt", "ge", "lt", "le", "answered", "any", "all"] = "eq"
    value: Scalar | list[Scalar] | None = None
    conditions: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        if self.op in ("any", "all"):
            if not self.conditions:
                raise ValueError(f"'{self.op}' needs conditions")
        elif sum(x is not None for x in (self.item, self.score, self.context)) != 1:
            raise ValueError("a comparison names exactly one of item, score or context")
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("'in' needs a list value")
        return self


class Coding(_Strict):
    """A code in a published code system, with where it was checked (``verified``: the
    source consulted). Codes that could not be checked are not written down at all."""

    system: str
    code: str
    display: str
    verified: str


class Option(_Strict):
    value: Scalar
    label: str | None = None          # None when the wording may not ship
    score: float | None = None        # defaults to the value when it is a number


class Item(_Strict):
    id: str
    kind: ItemKind
    text: str | None = None           # None when the wording may not ship
    help: str | None = None
    section: str | None = None
    required: bool = True
    options: list[Option] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    enable_when: Condition | None = None

    @model_validator(mode="after")
    def _options(self) -> Item:
        needs = self.kind in (ItemKind.SINGLE, ItemKind.LIKERT, ItemKind.MULTI)
        if needs and not self.options:
            raise ValueError(f"item {self.id}: a {self.kind.value} item needs options")
        if not needs and self.options:
            raise ValueError(f"item {self.id}: a {self.kind.value} item has no options")
        return self


class Score(_Strict):
    id: str
    label: str
    # "total": the instrument's score (tracked over time, exported as an Observation);
    # "subscale"; "criterion": a count behind a diagnostic criterion, not a severity score
    kind: Literal["total", "subscale", "criterion"] = "total"
    method: Literal["sum", "count"] = "sum"
    items: list[str]
    count_values: list[Scalar] = Field(default_factory=list)   # for "count": which answers count
    reverse: dict[str, dict[str, float]] = Field(default_factory=dict)  # item -> value -> score
    # per-item override of count_values (PHQ-9 item 9 counts when present at all)
    count_values_by_item: dict[str, list[Scalar]] = Field(default_factory=dict)
    minimum_answered: int | None = None     # pro-rating: score if at least this many answered
    prorate: bool = False                   # scale the sum up to all items when pro-rated
    prorate_source: str | None = None       # the published rule, cited
    range: tuple[float, float]
    code: Coding | None = None              # e.g. the LOINC total-score code, for FHIR

    @model_validator(mode="after")
    def _prorating_is_cited(self) -> Score:
        if self.minimum_answered is not None and not self.prorate_source:
            raise ValueError(f"score {self.id}: a pro-rating rule must name its source "
                             "(prorate_source)")
        return self


class Band(_Strict):
    score: str
    minimum: float
    maximum: float
    label: str


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


class Flag(_Strict):
    id: str
    when: Condition
    severity: Severity
    text: str
    domains: list[str] = Field(default_factory=list)
    suggest_instruments: list[str] = Field(default_factory=list)
    escalate: Literal["routine", "soon", "urgent"] | None = None
    referrals: list[str] = Field(default_factory=list)
    source: str | None = None     # where the cut-off or criterion is published; shown with it


class FollowUp(_Strict):
    when: Condition
    instrument: str
    text: str


class Licence(_Strict):
    clinical_use: bool
    commercial_use: bool
    research_use: bool
    text_may_ship: bool
    provenance: str
    citation: str
    url: str | None = None
    note: str | None = None


class Rule(_Strict):
    """One scoring rule in plain words and the published source it follows."""

    rule: str
    source: str


class InstrumentDefinition(_Strict):
    schema_version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str
    title: str
    short_title: str
    description: str
    kind: Literal["validated", "local-structured-screen"]
    licence: Licence
    minimum_age: int = Field(ge=10, le=120)
    maximum_age: int | None = None
    youth_variant: bool = False        # suitable for 10-17s
    items: list[Item]
    scores: list[Score] = Field(default_factory=list)
    bands: list[Band] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    code: Coding | None = None            # e.g. the LOINC panel code, for FHIR
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDefinition:
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        for n, item_id in enumerate(ids, start=1):
            if item_id != f"{self.id}.{n}":
                raise ValueError(f"items must be numbered {self.id}.1, {self.id}.2, ... "
                                 f"in order; found {item_id!r} at position {n}")
        scores = {s.id for s in self.scores}
        for score in self.scores:
            unknown = set(score.items) - set(ids)
            if unknown:
                raise ValueError(f"score {score.id} names unknown items {sorted(unknown)}")
        conditions = [("item " + i.id, i.enable_when) for i in self.items if i.enable_when]
        conditions += [("flag " + f.id, f.when) for f in self.flags]
        conditions += [("follow-up " + f.instrument, f.when) for f in self.follow_ups]
        for where, condition in conditions:
            for leaf in _leaves(condition):
                if leaf.item is not None and leaf.item not in ids:
                    raise ValueError(f"{where}: condition names unknown item {leaf.item!r}")
                if leaf.score is not None and leaf.score not in scores:
                    raise ValueError(f"{where}: condition names unknown score {leaf.score!r}")
        if self.minimum_age < 18 and not self.youth_variant:
            raise ValueError(f"minimum_age {self.minimum_age} is under 18 but youth_variant is "
                             "false: an adult-only instrument starts at 18")
        for band in self.bands:
            if band.score not in scores:
                raise ValueError(f"band {band.label!r} names unknown score {band.score!r}")
        if not self.licence.text_may_ship and any(
            i.text or any(o.label for o in i.options) for i in self.items
        ):
            raise ValueError("the licence says the wording may not ship, but items have text")
        return self

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def suitable_for(self, age: int | None) -> bool:
        if age is None:
            return True
        if age < 18 and not self.youth_variant:
            return False
        return age >= self.minimum_age and (self.maximum_age is None or age <= self.maximum_age)


def _leaves(condition: Condition) -> list[Condition]:
    if condition.op in ("any", "all"):
        return [leaf for inner in condition.conditions for leaf in _leaves(inner)]
    return [condition]


class DefinitionError(ValueError):
    """An invalid definition file: names the file and the path of each bad field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def parse_definition(data: Any, source: str) -> InstrumentDefinition:
    try:
        return InstrumentDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise DefinitionError(source, problems) from None


def json_schema() -> dict[str, Any]:
    return InstrumentDefinition.model_json_schema()
