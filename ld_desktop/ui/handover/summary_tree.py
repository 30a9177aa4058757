"""The handover summary as a tree: a section per heading with its count, an item per case;
Enter or double-click opens the case."""

from __future__ import annotations

import uuid
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from ld_desktop.domain.pathway import Stage
from ld_desktop.services.handover import HandoverItem, HandoverSummary
from ld_desktop.services.views import CaseRow
from ld_desktop.ui.models.case_table import waiting

CASE_ID = Qt.ItemDataRole.UserRole


class SummaryTree(QTreeWidget):
    open_case = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setHeaderHidden(True)
        self.setAccessibleName("What the next shift needs to know")
        self.itemActivated.connect(self._activated)

    def show_summary(self, summary: HandoverSummary, now_utc: datetime) -> None:
        self.clear()

        def rows(title: str, cases: tuple[CaseRow, ...], with_wait: bool = False) -> None:
            section = self._section(title, len(cases))
            for r in cases:
                extra = f" · waiting {waiting(r.referral_time, now_utc)}" if with_wait else ""
                self._item(section, f"{r.person_name} · {r.site_name} · "
                                    f"{Stage(r.stage).label}{extra}", r.id)

        def items(title: str, found: tuple[HandoverItem, ...]) -> None:
            section = self._section(title, len(found))
            for i in found:
                self._item(section, i.text, i.case_id)

        rows("In custody or awaiting court", summary.in_custody)
        for stage, cases in summary.open_by_stage.items():
            if cases:
                rows(f"Open: {Stage(stage).label}", cases, with_wait=True)
        items("High risks", summary.high_risks)
        items("Escalations pending", summary.pending_escalations)
        items("Referrals awaiting an answer", summary.referrals_awaiting)
        items("Follow-ups due next shift", summary.follow_ups_due)
        items("Information sharing to do", summary.sharing_to_do)
        section = self._section("Targets breached this shift", len(summary.breaches_this_shift))
        for r in summary.breaches_this_shift:
            self._item(section, f"{r.person_name}: {'; '.join(r.breaches)}", r.id)

    def _section(self, title: str, count: int) -> QTreeWidgetItem:
        section = QTreeWidgetItem(self, [f"{title} ({count})"])
        font = section.font(0)
        font.setBold(True)
        section.setFont(0, font)
        section.setExpanded(0 < count <= 12)
        return section

    def _item(self, parent: QTreeWidgetItem, text: str, case_id: uuid.UUID | None) -> None:
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, CASE_ID, str(case_id) if case_id else None)

    def _activated(self, item: QTreeWidgetItem) -> None:
        value = item.data(0, CASE_ID)
        if value:
            self.open_case.emit(uuid.UUID(str(value)))
