"""What the main window asks of a page (a place in the navigation, or a case or person
opened from one). The window calls these directly, never by looking for an attribute:

- ``title``: the page's heading, plain words with no personal data;
- ``on_changes(changes)``: a service changed something; refresh only what the page shows;
- ``flush_drafts()``: save what is half typed (before a lock, or before the page is left);
- ``close_for_lock()``: the session is locking; stop timers and drop queued work so nothing
  starts after the key has gone (running operations are settled by the window).

:class:`PageWidget` is the base every page derives from: a ``QWidget`` with the two signals
a page uses to open a record and defaults for the hooks a page may have nothing to do in.
``on_changes`` is abstract: each page says what it refreshes on.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ld_desktop.ui.abstract_hooks import HookMeta

if TYPE_CHECKING:
    from ld_desktop.services.views import Changes


@runtime_checkable
class Page(Protocol):
    title: ClassVar[str]

    def on_changes(self, changes: Changes) -> None: ...

    def flush_drafts(self) -> None: ...

    def close_for_lock(self) -> None: ...


class PageWidget(QWidget, metaclass=HookMeta):
    """A page of the main window (see the module's docstring)."""

    title: ClassVar[str] = ""
    open_case = Signal(object)     # uuid.UUID: show this case
    open_person = Signal(object)   # uuid.UUID: show this person

    @abstractmethod
    def on_changes(self, changes: Changes) -> None:
        """Refresh what the page shows that ``changes`` touches."""

    def flush_drafts(self) -> None:
        """Nothing half typed to keep, unless the page says otherwise."""

    def close_for_lock(self) -> None:
        """Nothing to stop, unless the page says otherwise."""
