"""The base classes' hooks are abstract (``ui/abstract_hooks.py``): a subclass that forgets
one cannot even be created, where it used to be created and fail later with
``NotImplementedError`` (or, for a page, be silently skipped)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import ld_desktop.ui
from ld_desktop.ui.abstract_hooks import HookMeta, abstract_hooks
from ld_desktop.ui.clinical.answer_editors import AnswerEditor
from ld_desktop.ui.clinical.form_dialog import FormDialog
from ld_desktop.ui.models.read_only_table import LazyPages, ReadOnlyTable
from ld_desktop.ui.page import PageWidget


class _Rows(ReadOnlyTable):
    def _count(self) -> int:
        return 0


def _forgetful(hook: str) -> tuple[type, Callable[[type], Any]]:
    """A subclass that provides everything but ``hook``, and how to create one."""
    if hook == "set_value":
        return type("Forgetful", (AnswerEditor,), {}), lambda cls: cls()
    if hook == "submit":
        return type("Forgetful", (FormDialog,), {}), lambda cls: cls("A form", None)
    if hook == "_count":
        return type("Forgetful", (ReadOnlyTable,), {}), lambda cls: cls()
    if hook == "_loaded":
        return type("Forgetful", (LazyPages, _Rows), {}), lambda cls: cls()
    return type("Forgetful", (PageWidget,), {"title": "Forgetful"}), lambda cls: cls()


@pytest.mark.parametrize("hook", ["set_value", "submit", "_count", "_loaded", "on_changes"])
def test_a_subclass_without_its_hook_cannot_be_created(qtbot, hook: str) -> None:  # type: ignore[no-untyped-def]
    cls, create = _forgetful(hook)
    with pytest.raises(TypeError, match=hook):
        create(cls)


def test_a_subclass_with_its_hooks_is_an_ordinary_qt_class(qtbot) -> None:  # type: ignore[no-untyped-def]
    class Shown(AnswerEditor):
        def set_value(self, value: object) -> None:
            self.changed.emit(value)

    editor = Shown()
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.changed) as blocker:   # its signals still work
        editor.set_value(3)
    assert blocker.args == [3]
    assert type(Shown) is HookMeta


def test_every_leaf_class_in_the_app_provides_its_hooks() -> None:
    for module in pkgutil.walk_packages(ld_desktop.ui.__path__, "ld_desktop.ui."):
        importlib.import_module(module.name)
    todo: list[type] = [AnswerEditor, FormDialog, ReadOnlyTable, PageWidget]
    concrete = []
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("ld_desktop.ui.") and not cls.__subclasses__():
            assert abstract_hooks(cls) == frozenset(), cls   # a leaf: something creates it
            concrete.append(cls)
    assert len(concrete) > 30
