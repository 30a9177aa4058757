"""A UI-neutral screening flow (Electrum-wizard style): the GUI renders the current item and
calls answer/next/back; skip logic, validation and completion are decided here.

Answers to items that become disabled are kept (never lost) but not scored while disabled.
"""

from __future__ import annotations

from typing import Any

from ld_desktop.domain.instruments.definition import InstrumentDefinition, Item
from ld_desktop.domain.instruments.scoring import (
    InvalidAnswer,
    ScreeningResult,
    check_answer,
    enabled_items,
    evaluate,
)


class FlowError(ValueError):
    """A step the flow cannot take now; the message is fit to show."""


class ScreeningFlow:
    def __init__(self, definition: InstrumentDefinition, age: int | None = None,
                 answers: dict[str, Any] | None = None, position: int = 0, *,
                 sex: str | None = None) -> None:
        if not definition.suitable_for(age):
            raise FlowError(f"{definition.short_title} is not for someone aged {age}.")
        self.definition = definition
        self.age = age
        self.sex = sex          # for cut-offs that differ by sex (AUDIT-C)
        self.answers: dict[str, Any] = dict(answers or {})
        self._position = position

    # ------------------------------------------------------------------ where we are
    def visible(self) -> list[Item]:
        return enabled_items(self.definition, self.answers)

    @property
    def position(self) -> int:
        return min(self._position, max(0, len(self.visible()) - 1))

    @property
    def current(self) -> Item:
        return self.visible()[self.position]

    @property
    def progress(self) -> tuple[int, int]:
        """(answered, total) over the items that apply."""
        items = self.visible()
        return sum(1 for i in items if self.answers.get(i.id) is not None), len(items)

    @property
    def at_start(self) -> bool:
        return self.position == 0

    @property
    def at_end(self) -> bool:
        return self.position >= len(self.visible()) - 1

    # ------------------------------------------------------------------ moving
    def answer(self, value: Any, item_id: str | None = None) -> None:
        item = self.definition.item(item_id) if item_id else self.current
        if value is None or value == "":
            self.answers.pop(item.id, None)
            return
        self.answers[item.id] = check_answer(item, value)   # InvalidAnswer is a ValueError

    def next(self) -> Item:
        item = self.current
        if item.required and self.answers.get(item.id) is None:
            raise FlowError("Answer this question before moving on (or go back).")
        if self.at_end:
            raise FlowError("This is the last question.")
        self._position = self.position + 1
        return self.current

    def skip(self) -> Item:
        """Move on leaving an optional item unanswered."""
        if self.current.required:
            raise FlowError("This question is required.")
        if self.at_end:
            raise FlowError("This is the last question.")
        self._position = self.position + 1
        return self.current

    def back(self) -> Item:
        if self.at_start:
            raise FlowError("This is the first question.")
        self._position = self.position - 1
        return self.current

    def go_to(self, item_id: str) -> Item:
        ids = [i.id for i in self.visible()]
        if item_id not in ids:
            raise FlowError("That question does not apply.")
        self._position = ids.index(item_id)
        return self.current

    # ------------------------------------------------------------------ finishing
    def missing_required(self) -> list[str]:
        return [i.id for i in self.visible() if i.required and self.answers.get(i.id) is None]

    def can_finish(self) -> bool:
        return not self.missing_required()

    def result(self) -> ScreeningResult:
        """The result so far (scores only where their items are answered)."""
        active = {i.id for i in self.visible()}
        return evaluate(self.definition,
                        {k: v for k, v in self.answers.items() if k in active}, self.age,
                        context={"sex": self.sex})

    def finish(self) -> ScreeningResult:
        missing = self.missing_required()
        if missing:
            raise FlowError(f"{len(missing)} required question(s) still to answer: "
                            + ", ".join(missing[:5]))
        return self.result()

    # ------------------------------------------------------------------ save and resume
    def to_json(self) -> dict[str, Any]:
        return {"instrument": self.definition.id, "version": self.definition.version,
                "age": self.age, "answers": dict(self.answers), "position": self.position}

    @classmethod
    def from_json(cls, definition: InstrumentDefinition, data: dict[str, Any], *,
                  sex: str | None = None) -> ScreeningFlow:
        if data.get("instrument") != definition.id:
            raise FlowError("This saved screening belongs to another instrument.")
        answers = {}
        for item_id, value in dict(data.get("answers", {})).items():
            try:
                answers[item_id] = check_answer(definition.item(item_id), value)
            except (KeyError, InvalidAnswer):
                continue   # an answer the definition no longer accepts is dropped, not fatal
        return cls(definition, data.get("age"), answers, int(data.get("position", 0)), sex=sex)
