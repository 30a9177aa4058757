"""Rota (seniors): the week across the team's sites, gaps in core hours highlighted, a quick
form to assign a shift or mark leave or sickness, swapping the people on two shifts (choose
one, press Swap, choose the other, press Swap again), and moving between weeks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from ld_desktop.domain.rota import SHIFT_KINDS
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.errors import is_refusal
from ld_desktop.services.rota import RotaWeek
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.ui.operations import LatestOnly, Operation, show_failure
from ld_desktop.ui.page import PageWidget

GAP = QColor("#fde8e6")
ENTRY = Qt.ItemDataRole.UserRole


class RotaPage(PageWidget):
    title = "Rota"

    def __init__(self, session: UserSession, first_day: date | None = None) -> None:
        super().__init__()
        self.setObjectName("page")
        self._s = session
        self._latest = LatestOnly(self)
        self.gap_count = 0
        today = session.now().date()
        self.first_day = first_day or today - timedelta(days=today.weekday())
        self._site_names = {str(s.id): s.name for s in session.sites}
        title = QLabel(self.title)
        title.setObjectName("title")
        self.summary = QLabel("")
        self.summary.setObjectName("subtitle")
        self.week = QListWidget()
        self.week.setAccessibleName("This week's shifts and gaps")
        form_box = QGroupBox("Assign a shift, leave or sickness")
        self.site = QComboBox()
        self.site.setAccessibleName("Site")
        for site in session.sites:
            self.site.addItem(site.name, site.id)
        self.day = QDateEdit()
        self.day.setAccessibleName("Day")
        self.day.setDisplayFormat("ddd dd/MM/yyyy")
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.starts = QLineEdit("07:00")
        self.starts.setAccessibleName("Starts")
        self.ends = QLineEdit("15:00")
        self.ends.setAccessibleName("Ends")
        self.who = QLineEdit()
        self.who.setAccessibleName("Username (empty for an unfilled shift)")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind")
        for kind in SHIFT_KINDS:
            self.kind.addItem(kind.capitalize(), kind)
        self.add_button = add = QPushButton("Add to rota")
        add.clicked.connect(self.assign)
        form = QFormLayout(form_box)
        form.addRow("S&ite", self.site)
        form.addRow("&Day", self.day)
        form.addRow("&Starts", self.starts)
        form.addRow("&Ends", self.ends)
        form.addRow("&Who", self.who)
        form.addRow("&Kind", self.kind)
        form.addRow(add)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.swap_first: uuid.UUID | None = None
        self.swap_button = QPushButton("Swap peop&le")
        self.swap_button.setAccessibleName("Swap the people on two shifts")
        self.swap_button.clicked.connect(self.swap)
        earlier = QPushButton("◀ &Previous week")
        earlier.setAccessibleName("Previous week")
        earlier.clicked.connect(lambda: self.move_week(-7))
        later = QPushButton("Ne&xt week ▶")
        later.setAccessibleName("Next week")
        later.clicked.connect(lambda: self.move_week(7))
        row = QHBoxLayout()
        for button in (earlier, later, self.swap_button):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.week, 1)
        layout.addWidget(form_box)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        """Load the week off the GUI thread; a newer load (another week, a change notice)
        supersedes an older one, and nothing is shown after a lock."""
        rota, first_day = self._s.rota, self.first_day
        self.summary.setText(f"Week of {first_day:%d %B %Y}: loading…")
        self._latest.run(lambda: rota.week(first_day), self._show_week, self._load_failed,
                         doing="loading the rota")

    def _load_failed(self, exc: Exception) -> None:
        self.summary.setText(f"The rota could not be loaded: {exc}")

    def _show_week(self, week: RotaWeek) -> None:
        self.week.clear()
        for offset in range(7):
            day = self.first_day + timedelta(days=offset)
            self.week.addItem(QListWidgetItem(f"{day:%A %d %B}"))
            for line in week.lines:
                s = line.shift
                if s.on_date == day:
                    who = s.username or "UNFILLED"
                    kind = "" if s.kind == "shift" else f" ({s.kind})"
                    item = QListWidgetItem(f"    {self._site_names.get(s.site_id, '?')}: "
                                           f"{s.starts}-{s.ends} {who}{kind}")
                    item.setData(ENTRY, str(line.id))
                    self.week.addItem(item)
            for gap in week.gaps:
                if gap.on_date == day:
                    item = QListWidgetItem(
                        f"    GAP {self._site_names.get(gap.site_id, '?')}: "
                        f"{gap.starts:%H:%M}-{gap.ends:%H:%M} not covered")
                    item.setBackground(GAP)
                    self.week.addItem(item)
        self.gap_count = len(week.gaps)
        gaps = "1 gap" if self.gap_count == 1 else f"{self.gap_count} gaps"
        self.summary.setText(f"Week of {self.first_day:%d %B %Y}: {gaps} in core hours "
                             "(shaded)")

    def _edit(self, button: QPushButton, work: Callable[[], object], done: str,
              doing: str) -> None:
        """A rota change as an operation owned by the page: ``button`` is off while it runs;
        a refusal is shown in place with the form as typed; other failures go to the default
        display."""
        button.setEnabled(False)
        self.message.setText("Saving…")

        def succeeded(_result: object) -> None:
            button.setEnabled(True)
            self.message.setText(done)
            self.refresh()

        def refused(exc: Exception) -> None:
            button.setEnabled(True)
            if is_refusal(exc):
                self.message.setText(str(exc))
                self.refresh()
                return
            self.message.setText("")
            show_failure(self, exc, doing)

        Operation(self, work, doing=doing).success(succeeded).failure(refused).run(at_once=True)

    def assign(self) -> None:
        day = self.day.date()
        rota, site, on = self._s.rota, self.site.currentData(), date(day.year(), day.month(),
                                                                    day.day())
        starts, ends = self.starts.text().strip(), self.ends.text().strip()
        who, kind = self.who.text().strip() or None, self.kind.currentData()
        self._edit(self.add_button, lambda: rota.assign(site, on, starts, ends, who, kind),
                   "Added.", "adding to the rota")

    def move_week(self, days: int) -> None:
        self.first_day += timedelta(days=days)
        self.swap_first = None
        self.refresh()

    def _chosen_entry(self) -> uuid.UUID | None:
        item = self.week.currentItem()
        value = item.data(ENTRY) if item is not None else None
        return uuid.UUID(str(value)) if value else None

    def swap(self) -> None:
        chosen = self._chosen_entry()
        if chosen is None:
            self.message.setText("Choose a shift in the list first.")
            return
        if self.swap_first is None or self.swap_first == chosen:
            self.swap_first = chosen
            self.message.setText("Now choose the other shift and press Swap again.")
            return
        first, rota = self.swap_first, self._s.rota
        self.swap_first = None
        self._edit(self.swap_button, lambda: rota.swap(first, chosen), "Swapped.",
                   "swapping the shifts")

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(SyncedEntity.ROTA_ENTRY, SyncedEntity.SITE):
            self.refresh()

    def close_for_lock(self) -> None:
        self._latest.cancel()
