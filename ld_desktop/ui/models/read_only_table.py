"""The shared part of the app's read-only table models: rows, columns and headers."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView

from ld_desktop.ui.abstract_hooks import HookMeta
from ld_desktop.ui.operations import Operation, show_failure

Index = QModelIndex | QPersistentModelIndex


class ReadOnlyTable(QAbstractTableModel, metaclass=HookMeta):
    COLUMNS: ClassVar[list[str]] = []

    @abstractmethod
    def _count(self) -> int:
        """How many rows; each model provides it."""

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None


class LazyPages:
    """Mixin for a ReadOnlyTable whose rows arrive a page at a time from ``fetch(offset,
    limit)`` as the view scrolls, so a 100k list never loads whole. ``first`` is a page
    already fetched (e.g. in the background) to start with.

    Qt asks for more synchronously (``fetchMore``, when the last row comes into view), but
    ``fetch`` reads the store, so it runs as an :class:`~ld_desktop.ui.operations.Operation`
    owned by the model and the rows are inserted when the page arrives. While a page is on
    its way ``canFetchMore`` is False (the view asks again once the rows are in); a page
    arriving after the model was reset or replaced (``retire``), or after a lock (which
    drops every operation), is dropped unseen."""

    PAGE = 200

    def _init_pages(self, fetch: Callable[[int, int], list[Any]], total: int,
                    first: list[Any] | None = None) -> None:
        self._fetch = fetch
        self.total = total
        self._loaded().extend(first or [])
        self._fetching: Operation | None = None
        self._retired = False
        model: Any = self
        model.modelAboutToBeReset.connect(self._drop_fetch)

    @abstractmethod
    def _loaded(self) -> list[Any]:
        """The model's list of rows fetched so far; each model provides it (the mixin is
        plain Python: the model class's ``HookMeta`` refuses a model without it)."""

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and not self._retired and self._fetching is None
                and len(self._loaded()) < self.total)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        fetch, offset, limit = self._fetch, len(self._loaded()), self.PAGE
        operation = Operation(self, lambda: fetch(offset, limit),   # type: ignore[arg-type]
                              doing="loading more of the list")
        operation.success(lambda more: self._arrived(operation, offset, more)) \
            .failure(lambda exc: self._not_fetched(operation, exc))
        self._fetching = operation
        operation.run()

    def fetching(self) -> bool:
        """A page is on its way."""
        return self._fetching is not None

    def retire(self) -> None:
        """The model is being replaced (or its page closed): a page on its way is dropped
        and no more are fetched."""
        self._retired = True
        self._drop_fetch()

    def _drop_fetch(self) -> None:
        if self._fetching is not None:
            self._fetching.drop()
            self._fetching = None

    def _arrived(self, operation: Operation, offset: int, more: list[Any]) -> None:
        if operation is not self._fetching:
            return   # reset or retired since it was asked for
        loaded = self._loaded()
        if not more:
            self.total = len(loaded)
        elif offset == len(loaded):
            # still "fetching" while the rows go in: whoever listens to the insertion (a
            # view, a model tester) and asks for more meanwhile is not given the same page
            model: Any = self
            model.beginInsertRows(QModelIndex(), offset, offset + len(more) - 1)
            loaded.extend(more)
            model.endInsertRows()
        self._fetching = None

    def _not_fetched(self, operation: Operation, exc: Exception) -> None:
        if operation is not self._fetching:
            return
        self._fetching = None
        self.total = len(self._loaded())   # no retry loop as the view asks again
        show_failure(None, exc, "loading more of the list")


def show_model(view: QAbstractItemView, model: QAbstractItemModel) -> None:
    """Show ``model`` in ``view``; a lazy model it replaces stops fetching (a page on its
    way is dropped)."""
    old = view.model()
    if isinstance(old, LazyPages):
        old.retire()
    view.setModel(model)
