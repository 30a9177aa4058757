"""The case view: header, the clinical actions, and everything recorded on the case.

The page is a stack: the case overview, and on top of it the screening wizard or a result
when one is open. Actions open small window-modal dialogs; each calls one service and the
page reloads from the change it announces. Nothing here touches the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.instruments.definition import InstrumentDefinition
from ld_desktop.domain.instruments.flow import FlowError
from ld_desktop.domain.pathway import ContactType, Stage, Urgency
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.domain.vulnerabilities import label as flag_label
from ld_desktop.services.clinical.screenings import CORE_SCREEN, ScreeningView
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.ui.clinical import case_records as words
from ld_desktop.ui.clinical.care_dialogs import (
    EscalationDialog,
    EscalationStatusDialog,
    RiskDialog,
)
from ld_desktop.ui.clinical.case_records import CaseRecords
from ld_desktop.ui.clinical.consent_dialog import ConsentDialog
from ld_desktop.ui.clinical.fhir_export_action import PathChooser as JsonPathChooser
from ld_desktop.ui.clinical.fhir_export_action import choose_json_path, export_screening
from ld_desktop.ui.clinical.form_dialog import FormDialog
from ld_desktop.ui.clinical.instrument_chooser import InstrumentChooser
from ld_desktop.ui.clinical.note_dialogs import NoteDialog, ReasonDialog
from ld_desktop.ui.clinical.outcome_dialog import OutcomeDialog
from ld_desktop.ui.clinical.referral_dialogs import (
    ReferralDialog,
    ReferralStatusDialog,
    SupportActionDialog,
)
from ld_desktop.ui.clinical.result_panel import ResultPanel
from ld_desktop.ui.clinical.screening_wizard import ScreeningWizard
from ld_desktop.ui.clinical.share_dialog import PathChooser, ShareDialog, choose_pdf_path
from ld_desktop.ui.clinical.youth_panel import YouthPanel
from ld_desktop.ui.models.case_table import waiting
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.records.case_details_dialog import CaseDetailsDialog
from ld_desktop.ui.records.merge_dialogs import MoveCaseDialog

ACTIONS = [("consent", "&Consent…"), ("screening", "&Screening"), ("risk", "&Risk…"),
           ("escalate", "&Escalate…"), ("refer", "Re&fer…"), ("support", "Su&pport action…"),
           ("note", "&Note…"), ("share", "S&hare…"), ("outcome", "&Outcome and close…")]


class CasePage(PageWidget):
    title = "Case"

    def __init__(self, session: UserSession, case_id: uuid.UUID,
                 choose_path: PathChooser = choose_pdf_path) -> None:
        super().__init__()
        self.setObjectName("page")
        self.session = session
        self.case_id = case_id
        self.choose_path = choose_path
        self.choose_fhir_path: JsonPathChooser = choose_json_path   # tests replace it
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.overview: QWidget | None = None
        self.wizard: ScreeningWizard | None = None
        self.result: ResultPanel | None = None
        self.dialog: FormDialog | None = None
        self.reload(audit=True)

    # ------------------------------------------------------------------ loading
    def reload(self, audit: bool = False) -> None:
        self.case = self.session.cases.open(self.case_id, audit=audit)
        self.records = CaseRecords.load(self.session, self.case_id)
        old = self.overview
        self.overview = self._build_overview()
        self.stack.insertWidget(0, self.overview)
        if old is not None:
            self.stack.removeWidget(old)
            old.deleteLater()
        if self.wizard is None and self.result is None:
            self.stack.setCurrentWidget(self.overview)

    def on_changes(self, changes: Changes) -> None:
        if self.session.is_locked:
            return
        if self.case_id in changes.ids or changes.touches("person", "consent"):
            self.reload()

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    # ------------------------------------------------------------------ overview
    def _build_overview(self) -> QWidget:
        case = self.case
        page = QWidget()
        page.setObjectName("page")
        title = QLabel(case.person.display_name + ("  ·  YOUNG PERSON" if case.is_youth else ""))
        title.setObjectName("title")
        age = (f"{case.age_at_referral} years" if case.age_at_referral is not None else
               f"about {case.estimated_age} (estimated)" if case.estimated_age is not None
               else "age unknown")
        self.header_label = header = QLabel(
            f"{age} · {case.site.name} · {Stage(case.stage).label} · "
            f"{ContactType(case.contact_type).label} · urgency {Urgency(case.urgency).label} · "
            f"waiting {waiting(case.referral_time, datetime.now(UTC))}"
            + (f" · custody record {case.custody_record_number}"
               if case.custody_record_number else ""))
        header.setObjectName("subtitle")
        header.setWordWrap(True)
        named = (["HIGH RISK"] if case.risk_level == "high" else []) + [
            flag_label(f) for f in case.flags]
        self.flags_label = QLabel("Flags: " + (", ".join(named) or "none yet"))
        self.flags_label.setObjectName("flag")
        self.flags_label.setWordWrap(True)
        layout = QVBoxLayout(page)
        for widget in (title, header, self.flags_label):
            layout.addWidget(widget)
        if case.breaches:
            late = QLabel("Overdue: " + "; ".join(case.breaches))
            late.setObjectName("error")
            layout.addWidget(late)
        if case.offences:
            layout.addWidget(QLabel("Offences: " + "; ".join(case.offences)))
        self.reason_label = QLabel("Reason for referral: " + (case.reason or "not given"))
        self.reason_label.setWordWrap(True)
        layout.addWidget(self.reason_label)
        if case.closed_at:
            closed = QLabel(f"Closed on {case.closed_at.astimezone():%d/%m/%Y %H:%M}: "
                            "records can be read but not added to.")
            closed.setObjectName("subtitle")
            layout.addWidget(closed)
        self.problem = QLabel()
        self.problem.setObjectName("error")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        self.problem.hide()
        layout.addWidget(self.problem)
        layout.addLayout(self._action_bar())
        if case.is_youth and not case.closed_at:
            youth = YouthPanel(case, self.records)
            youth.record_parent_carer.connect(self.record_parent_carer)
            youth.record_consent.connect(self.record_consent)
            youth.refer.connect(self.refer)
            self.youth_panel: YouthPanel | None = youth
            layout.addWidget(youth)
        else:
            self.youth_panel = None
        layout.addWidget(self._tabs(), 1)
        return page

    def _action_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        editable = self.case.closed_at is None and self.session.can(Permission.EDIT_RECORDS)
        self.action_buttons: dict[str, QPushButton] = {}
        for key, text in ACTIONS:
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            allowed = editable and (key != "share" or self.session.can(
                Permission.SHARE_INFORMATION))
            button.setEnabled(allowed)
            button.clicked.connect(getattr(self, key))
            self.action_buttons[key] = button
            row.addWidget(button)
        if self.session.can(Permission.VIEW_AUDIT):   # seniors: who looked at this case
            from ld_desktop.ui.access_history import history_button

            row.addWidget(history_button(self.show_access_history))
        row.addStretch(1)
        # corrections: a closed case can be corrected too
        for key, text, slot in (("correct", "Correct &details…", self.correct_details),
                                ("move", "&Move to another person…", self.move_case)):
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.setEnabled(self.session.can(Permission.EDIT_RECORDS))
            button.clicked.connect(slot)
            self.action_buttons[key] = button
            row.addWidget(button)
        return row

    def show_access_history(self) -> None:
        from ld_desktop.ui.access_history import AccessHistoryDialog

        entries = self.session.maintenance.access_history(case_id=self.case_id)
        self.history_dialog = AccessHistoryDialog("Access history: this case", entries, self)
        self.history_dialog.open()

    def _list_tab(self, tabs: QTabWidget, name: str, lines: list[str],
                  buttons: list[tuple[str, Callable[[int], None]]] | None = None
                  ) -> QListWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        listing = QListWidget()
        listing.setAccessibleName(name)
        listing.setWordWrap(True)
        listing.addItems(lines or ["Nothing recorded yet."])
        listing.setEnabled(bool(lines))
        layout.addWidget(listing)
        if buttons and self.case.closed_at is None:
            row = QHBoxLayout()
            for text, action in buttons:
                button = QPushButton(text)
                button.setAccessibleName(text.rstrip("…"))
                button.clicked.connect(lambda _=False, a=action, lst=listing: a(lst.currentRow()))
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        tabs.addTab(box, name)
        return listing

    def _tabs(self) -> QTabWidget:
        r = self.records
        tabs = QTabWidget()
        self.tabs = tabs
        timeline = [f"{e.at.astimezone():%d/%m/%Y %H:%M}  {e.summary}"
                    + (f" · {e.by}" if e.by else "") for e in self.case.timeline]
        self._list_tab(tabs, "Timeline", timeline)
        superseded = r.superseded()
        library = self.session.screenings.library()
        titles = {d.id: d.short_title for d in library.all()}
        self.screening_list = self._list_tab(
            tabs, "Screenings",
            [words.screening_line(s, titles.get(s.instrument_id, s.instrument_id),
                                  s.id in superseded) for s in r.screenings])
        self.screening_list.itemActivated.connect(
            lambda _i: self.open_screening(self.screening_list.currentRow()))
        self._list_tab(tabs, "Consent", [words.consent_line(c) for c in r.consents])
        now = self.session.now()
        self.care_list = self._list_tab(
            tabs, "Risk and escalation",
            [words.risk_line(x) for x in r.risks] + [words.escalation_line(e)
                                                     for e in r.escalations],
            [("Update escalation…", self.update_escalation)])
        self.referral_list = self._list_tab(
            tabs, "Referrals and support",
            [words.referral_line(x) for x in r.referrals] + [words.action_line(a, now)
                                                             for a in r.actions],
            [("Update referral…", self.update_referral), ("Mark action done", self.action_done)])
        self.note_list = self._list_tab(tabs, "Notes", [words.note_line(n) for n in r.notes],
                                        [("Amend note…", self.amend_note)])
        return tabs

    # ------------------------------------------------------------------ dialogs
    def _open(self, dialog: FormDialog) -> FormDialog:
        self.dialog = dialog
        dialog.saved.connect(lambda _v: self.reload())
        dialog.open()
        return dialog

    def correct_details(self) -> None:
        self._open(CaseDetailsDialog(self.session, self.case, self))

    def move_case(self) -> None:
        self._open(MoveCaseDialog(self.session, self.case, self))

    def consent(self) -> None:
        self.record_consent()

    def record_consent(self, scope: str = "assessment") -> None:
        self._open(ConsentDialog(self.session, self.case, self, scope))

    def record_parent_carer(self) -> None:
        person_id = self.case.person.id
        self._open(ReasonDialog(
            "Parent or carer", "Name, relationship and how to contact them.",
            lambda text: self.session.persons.set_parent_carer(person_id, text), self, "Save",
            field="&Parent or carer",
            missing="Enter the parent or carer's name, relationship and contact."))

    def risk(self) -> None:
        self._open(RiskDialog(self.session, self.case, self))

    def escalate(self, urgency: str | None = None, reason: str = "") -> None:
        self._open(EscalationDialog(self.session, self.case, self, urgency or None, reason))

    def refer(self, code: str | None = None) -> None:
        self._open(ReferralDialog(self.session, self.case, self, code or None))

    def support(self) -> None:
        self._open(SupportActionDialog(self.session, self.case, self))

    def note(self) -> None:
        self._open(NoteDialog(self.session, self.case, self))

    def share(self) -> None:
        self._open(ShareDialog(self.session, self.case, self, self.choose_path))

    def outcome(self) -> None:
        self._open(OutcomeDialog(self.session, self.case, self))

    def update_escalation(self, row: int) -> None:
        index = row - len(self.records.risks)
        if not 0 <= index < len(self.records.escalations):
            self.show_problem("Choose an escalation in the list first.")
            return
        self._open(EscalationStatusDialog(self.session, self.records.escalations[index], self))

    def update_referral(self, row: int) -> None:
        if not 0 <= row < len(self.records.referrals):
            self.show_problem("Choose a referral in the list first.")
            return
        self._open(ReferralStatusDialog(self.session, self.records.referrals[row], self))

    def action_done(self, row: int) -> None:
        index = row - len(self.records.referrals)
        if not 0 <= index < len(self.records.actions):
            self.show_problem("Choose a support action in the list first.")
            return
        self.session.referrals.complete_action(self.records.actions[index].id)
        self.reload()

    def amend_note(self, row: int) -> None:
        if not 0 <= row < len(self.records.notes):
            self.show_problem("Choose a note in the list first.")
            return
        self._open(NoteDialog(self.session, self.case, self, self.records.notes[row]))

    # ------------------------------------------------------------------ screening
    def screening(self) -> None:
        drafts = [s for s in self.records.screenings if s.state == ScreeningState.DRAFT]
        if drafts:
            self.open_wizard(drafts[-1])
            return
        done = {s.instrument_id for s in self.records.screenings}
        if CORE_SCREEN not in done:
            self.start_screening(CORE_SCREEN)
            return
        library = self.session.screenings.library()
        offered = library.offered_for(self.case.age_at_referral)
        chooser = InstrumentChooser(offered, self.suggested_ids(), self, library.problems)
        chooser.saved.connect(self.start_screening)
        self.dialog = chooser
        chooser.open()

    def suggested_ids(self) -> list[str]:
        found: list[str] = []
        for s in self.records.screenings:
            if s.state in ScreeningState.finished():
                for i in [*s.result.get("follow_ups", []),
                          *s.result.get("suggested_instruments", [])]:
                    if i not in found:
                        found.append(i)
        return found

    def next_instruments(self) -> list[InstrumentDefinition]:
        library = self.session.screenings.library()
        used = {s.instrument_id for s in self.records.screenings}
        skipped = {n.body for n in self.records.notes if n.body.startswith("Suggested ")}
        offered = {d.id: d for d in library.offered_for(self.case.age_at_referral)}
        return [offered[i] for i in self.suggested_ids() if i in offered and i not in used
                and not any(b.startswith(f"Suggested {offered[i].short_title} ")
                            for b in skipped)]

    def start_screening(self, instrument_id: str) -> None:
        try:
            definition = self.session.screenings.library().get(instrument_id)
            if not definition.suitable_for(self.case.age_at_referral):
                raise FlowError(f"{definition.short_title} is not for someone aged "
                                f"{self.case.age_at_referral}.")
            view = self.session.screenings.start(self.case_id, instrument_id,
                                                 definition.version)
        except (ValueError, KeyError, PermissionError) as exc:
            self.close_overlays()
            self.show_problem(str(exc).strip("'\""))
            return
        self.records = CaseRecords.load(self.session, self.case_id)
        self.open_wizard(view)

    def open_wizard(self, screening: ScreeningView | None,
                    amend_of: ScreeningView | None = None) -> None:
        source = screening or amend_of
        if source is None:
            return
        definition = self.session.screenings.library().get(source.instrument_id)
        self.close_overlays()
        self.wizard = ScreeningWizard(self.session, self.case, definition, screening, amend_of)
        self.wizard.completed.connect(self.show_result)
        self.wizard.closed.connect(self.back_to_case)
        self.stack.addWidget(self.wizard)
        self.stack.setCurrentWidget(self.wizard)
        if self.wizard.editor is not None:
            self.wizard.editor.focus_first()

    def open_screening(self, row: int) -> None:
        if not 0 <= row < len(self.records.screenings):
            return
        view = self.records.screenings[row]
        if view.state == ScreeningState.DRAFT:
            self.open_wizard(view)
        else:
            self.show_result(view)

    def show_result(self, view: ScreeningView) -> None:
        self.close_overlays()
        self.records = CaseRecords.load(self.session, self.case_id)
        definition = self.session.screenings.library().get(view.instrument_id)
        panel = ResultPanel(view, definition, self.next_instruments(),
                            can_sign_off=self.session.can(Permission.EDIT_RECORDS),
                            superseded=view.id in self.records.superseded())
        panel.escalate.connect(self.escalate)
        panel.refer.connect(self.refer)
        panel.start_instrument.connect(self.start_screening)
        panel.skip_instrument.connect(self.skip_instrument)
        panel.sign_off.connect(lambda: self.show_result(
            self.session.screenings.sign_off(view.id)))
        panel.amend.connect(lambda: self.open_wizard(None, amend_of=view))
        panel.export_fhir.connect(lambda: panel.export_status.setText(export_screening(
            self.session, self.case_id, view.id, panel, self.choose_fhir_path)))
        panel.back.connect(self.back_to_case)
        self.result = panel
        self.result_view = view
        self.stack.addWidget(panel)
        self.stack.setCurrentWidget(panel)

    def skip_instrument(self, instrument_id: str) -> None:
        case_id = self.case_id
        dialog = self._open(ReasonDialog(
            "Not using a suggested instrument", "Say why (for example: declined, too "
            "distressed, already known to services). This is kept in the case notes.",
            lambda reason: self.session.screenings.skip_suggested(case_id, instrument_id,
                                                                  reason),
            self, "Record"))
        dialog.saved.connect(lambda _v: self.show_result(self.result_view))

    def close_overlays(self) -> None:
        for attr in ("wizard", "result"):
            widget = getattr(self, attr)
            if widget is not None:
                self.stack.removeWidget(widget)
                widget.deleteLater()
                setattr(self, attr, None)

    def back_to_case(self) -> None:
        self.close_overlays()
        self.reload()

    def flush_drafts(self) -> None:
        if self.wizard is not None:
            self.wizard.save_now()

