"""The shared part of the app's read-only table models: rows, columns and headers."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ld_desktop.ui.abstract_hooks import HookMeta

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
    limit)`` as the view scrolls (canFetchMore / fetchMore), so a 100k list never loads whole.
    ``first`` is a page already fetched (e.g. in the background) to start with."""

    PAGE = 200

    def _init_pages(self, fetch: Callable[[int, int], list[Any]], total: int,
                    first: list[Any] | None = None) -> None:
        self._fetch = fetch
        self.total = total
        self._loaded().extend(first or [])

    @abstractmethod
    def _loaded(self) -> list[Any]:
        """The model's list of rows fetched so far; each model provides it (the mixin is
        plain Python: the model class's ``HookMeta`` refuses a model without it)."""

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._loaded()) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        loaded = self._loaded()
        more = self._fetch(len(loaded), self.PAGE)
        if not more:
            self.total = len(loaded)
            return
        model: Any = self
        first = len(loaded)
        model.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        loaded.extend(more)
        model.endInsertRows()
