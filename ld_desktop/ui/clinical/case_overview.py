"""The case overview: header, flags, the action bar, the youth checklist and a tab per kind of
record. Built once and refreshed in place (``show_case``), so a change notice keeps the tab,
the selected record and the keyboard focus where they were. A list button asks for its
action with the selected record's kind and id (``record_action``); it never passes a row."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.pathway import ContactType, Stage, Urgency
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.synced_entity import SyncedEntity as E
from ld_desktop.domain.vulnerabilities import label as flag_label
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical import case_records as words
from ld_desktop.ui.clinical.case_actions import CaseActionsBar
from ld_desktop.ui.clinical.case_records import CaseRecords
from ld_desktop.ui.clinical.record_list import RecordList, Row
from ld_desktop.ui.clinical.youth_panel import YouthPanel
from ld_desktop.ui.models.case_table import waiting

#: list buttons per tab: (action key, text); the key comes back through ``record_action``
LIST_BUTTONS = {
    "Risk and escalation": [("update_escalation", "Update escalation…")],
    "Referrals and support": [("update_referral", "Update referral…"),
                              ("action_done", "Mark action done")],
    "Notes": [("amend_note", "Amend note…")],
}


def _label(name: str = "", wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


class CaseOverview(QWidget):
    record_action = Signal(str, object)    # action key, RecordRef | None (nothing selected)
    open_record = Signal(object)           # RecordRef activated (Enter, double-click)

    def __init__(self, session: UserSession) -> None:
        super().__init__()
        self.setObjectName("page")
        self.title = _label("title", wrap=False)
        self.header_label = _label("subtitle")
        self.flags_label = _label("flag")
        self.overdue_label = _label("error")
        self.offences_label = _label()
        self.reason_label = _label()
        self.closed_label = _label("subtitle")
        self.problem = _label("error")
        self.problem.setAccessibleName("Problem")
        self.action_bar = CaseActionsBar(session)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.header_label, self.flags_label, self.overdue_label,
                       self.offences_label, self.reason_label, self.closed_label, self.problem,
                       self.action_bar):
            layout.addWidget(widget)
        self._youth_slot = QVBoxLayout()
        layout.addLayout(self._youth_slot)
        self.youth_panel: YouthPanel | None = None
        self.tabs = QTabWidget()
        self.lists: dict[str, RecordList] = {}
        self.list_buttons: list[QPushButton] = []
        for name in ("Timeline", "Screenings", "Consent", "Risk and escalation",
                     "Referrals and support", "Notes"):
            self._add_tab(name)
        self.lists["Screenings"].itemActivated.connect(self._activated)
        layout.addWidget(self.tabs, 1)

    def _add_tab(self, name: str) -> None:
        box = QWidget()
        layout = QVBoxLayout(box)
        listing = RecordList(name)
        layout.addWidget(listing)
        self.lists[name] = listing
        if name in LIST_BUTTONS:
            row = QHBoxLayout()
            for key, text in LIST_BUTTONS[name]:
                button = QPushButton(text)
                button.setAccessibleName(text.rstrip("…"))
                button.clicked.connect(
                    lambda _=False, k=key, lst=listing: self.record_action.emit(k, lst.current()))
                self.list_buttons.append(button)
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        self.tabs.addTab(box, name)

    def _activated(self, item: QListWidgetItem) -> None:
        ref = self.lists["Screenings"].ref_at(item)
        if ref is not None:
            self.open_record.emit(ref)

    # ------------------------------------------------------------------ refresh
    def show_case(self, case: CaseView, records: CaseRecords, titles: dict[str, str],
                  now: datetime) -> YouthPanel | None:
        """Everything shown, from this case and its records; returns a new youth panel (for
        the page to connect) when one is shown."""
        self.title.setText(case.person.display_name
                           + ("  ·  YOUNG PERSON" if case.is_youth else ""))
        self.header_label.setText(_header(case))
        named = (["HIGH RISK"] if case.risk_level == RiskLevel.HIGH else []) + [
            flag_label(f) for f in case.flags]
        self.flags_label.setText("Flags: " + (", ".join(named) or "none yet"))
        self._line(self.overdue_label, "Overdue: " + "; ".join(case.breaches), case.breaches)
        self._line(self.offences_label, "Offences: " + "; ".join(case.offences), case.offences)
        self.reason_label.setText("Reason for referral: " + (case.reason or "not given"))
        closed = case.closed_at is not None
        self._line(self.closed_label, f"Closed on {case.closed_at.astimezone():%d/%m/%Y %H:%M}: "
                   "records can be read but not added to." if case.closed_at else "", closed)
        self.problem.hide()
        self.action_bar.allow(closed=closed)
        for button in self.list_buttons:
            button.setVisible(not closed)
        self._fill(case, records, titles, now)
        return self._youth(case, records)

    def _line(self, label: QLabel, text: str, shown: object) -> None:
        label.setText(text if shown else "")
        label.setVisible(bool(shown))

    def _fill(self, case: CaseView, records: CaseRecords, titles: dict[str, str],
              now: datetime) -> None:
        r = self.lists
        r["Timeline"].fill([Row("timeline", None, words.timeline_line(e))
                            for e in case.timeline])
        superseded = records.superseded()
        r["Screenings"].fill(
            [Row(E.SCREENING, s.id, words.screening_line(
                s, titles.get(s.instrument_id, s.instrument_id), s.id in superseded))
             for s in records.screenings]
            + [Row(E.SKIPPED_SUGGESTION, k.id, words.skip_line(k, titles.get(k.instrument_id,
                                                               k.instrument_id)))
               for k in records.skipped])
        r["Consent"].fill([Row(E.CONSENT, None, words.consent_line(c))
                           for c in records.consents])
        r["Risk and escalation"].fill(
            [Row(E.RISK_ASSESSMENT, x.id, words.risk_line(x)) for x in records.risks]
            + [Row(E.ESCALATION, e.id, words.escalation_line(e)) for e in records.escalations])
        r["Referrals and support"].fill(
            [Row(E.ONWARD_REFERRAL, x.id, words.referral_line(x)) for x in records.referrals]
            + [Row(E.SUPPORT_ACTION, a.id, words.action_line(a, now)) for a in records.actions])
        r["Notes"].fill([Row(E.NOTE, n.id, words.note_line(n)) for n in records.notes])

    def _youth(self, case: CaseView, records: CaseRecords) -> YouthPanel | None:
        old = self.youth_panel
        self.youth_panel = None
        if case.is_youth and not case.closed_at:
            self.youth_panel = YouthPanel(case, records)
            self._youth_slot.addWidget(self.youth_panel)
        if old is not None:
            self._youth_slot.removeWidget(old)
            old.deleteLater()
        return self.youth_panel

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()


def _header(case: CaseView) -> str:
    age = (f"{case.age_at_referral} years" if case.age_at_referral is not None else
           f"about {case.estimated_age} (estimated)" if case.estimated_age is not None
           else "age unknown")
    return (f"{age} · {case.site.name} · {Stage(case.stage).label} · "
            f"{ContactType(case.contact_type).label} · urgency {Urgency(case.urgency).label} · "
            f"waiting {waiting(case.referral_time, datetime.now(UTC))}"
            + (f" · custody record {case.custody_record_number}"
               if case.custody_record_number else ""))
