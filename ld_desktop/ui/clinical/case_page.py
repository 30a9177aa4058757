"""The case view: a stack of the case overview and, on top of it when one is open, the
screening wizard or a result.

The page is glue. ``case_overview.CaseOverview`` shows the case and its records (refreshed in
place) with ``case_actions.CaseActionsBar``; what the Screening action opens and which
instruments are suggested next is decided without Qt by
``services/clinical/screening_controller.ScreeningController``. Actions open small
window-modal dialogs; each calls one service and the page reloads from the change it
announces. A list action finds its record by the id in the selected row's item data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
)

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.clinical.referrals import SupportView
from ld_desktop.services.clinical.screening_controller import (
    ChooseInstrument,
    ResumeDraft,
    ScreeningController,
    ShowResult,
)
from ld_desktop.services.clinical.screenings import ScreeningView
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView, Changes
from ld_desktop.ui.access_history import AccessHistoryDialog, HistoryOpener
from ld_desktop.ui.clinical.care_dialogs import (
    EscalationDialog,
    EscalationStatusDialog,
    RiskDialog,
)
from ld_desktop.ui.clinical.case_actions import ACTIONS, HISTORY
from ld_desktop.ui.clinical.case_overview import CaseOverview
from ld_desktop.ui.clinical.case_records import CaseRecords
from ld_desktop.ui.clinical.consent_dialog import ConsentDialog
from ld_desktop.ui.clinical.fhir_export_action import PathChooser as JsonPathChooser
from ld_desktop.ui.clinical.fhir_export_action import choose_json_path, export_screening
from ld_desktop.ui.clinical.form_dialog import REFUSALS, FormDialog
from ld_desktop.ui.clinical.instrument_chooser import InstrumentChooser
from ld_desktop.ui.clinical.note_dialogs import NoteDialog, ReasonDialog
from ld_desktop.ui.clinical.outcome_dialog import OutcomeDialog
from ld_desktop.ui.clinical.record_list import RecordRef
from ld_desktop.ui.clinical.referral_dialogs import (
    ReferralDialog,
    ReferralStatusDialog,
    SupportActionDialog,
)
from ld_desktop.ui.clinical.result_panel import ResultPanel
from ld_desktop.ui.clinical.screening_wizard import ScreeningWizard
from ld_desktop.ui.clinical.share_dialog import PathChooser, ShareDialog, choose_pdf_path
from ld_desktop.ui.clinical.youth_panel import YouthPanel
from ld_desktop.ui.operations import LatestOnly, Operation, show_failure
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.records.case_details_dialog import CaseDetailsDialog
from ld_desktop.ui.records.merge_dialogs import MoveCaseDialog

__all__ = ["ACTIONS", "CasePage"]


def _load(session: UserSession, case_id: uuid.UUID,
          audit: bool) -> tuple[CaseView, CaseRecords, Any]:
    """The case, its records and the instrument library (no widget: runs on a worker)."""
    case = session.cases.open(case_id, audit=audit)
    return case, CaseRecords.load(session, case_id), session.screenings.library()


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
        self.overview = CaseOverview(session)
        self.overview.action_bar.triggered.connect(self._action)
        self.overview.record_action.connect(self._record_action)
        self.overview.open_record.connect(self.open_screening)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.overview)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.wizard: ScreeningWizard | None = None
        self.result: ResultPanel | None = None
        self.dialog: FormDialog | None = None
        self._completing: set[uuid.UUID] = set()   # support actions being marked done
        # the overview's parts, built once (tests and the screenshots reach them here)
        overview = self.overview
        self.action_buttons: dict[str, QPushButton] = overview.action_bar.buttons
        self.tabs: QTabWidget = overview.tabs
        self.screening_list: QListWidget = overview.lists["Screenings"]
        self.header_label, self.flags_label = overview.header_label, overview.flags_label
        self.reason_label, self.problem = overview.reason_label, overview.problem
        self.youth_panel: YouthPanel | None = None
        self.loading = QLabel("Loading the case…")
        self.loading.setObjectName("subtitle")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loading.setAccessibleName("Loading the case")
        self.stack.insertWidget(0, self.loading)
        self.stack.setCurrentWidget(self.loading)
        self.loaded = False                   # the first load has landed
        self._awaiting = False                # a load the next step depends on is running
        self._then: list[Callable[[], None]] = []   # next steps, once a load lands
        self._queued: Callable[[], None] | None = None   # an action pressed meanwhile
        self._starting = False                # a screening being started
        self.access = HistoryOpener(self)
        self._loads = LatestOnly(self)
        self.reload(audit=True)

    # ------------------------------------------------------------------ loading
    def reload(self, audit: bool = False, then: Callable[[], None] | None = None) -> None:
        """Load in the background: on opening (audited; "Loading the case…" until it lands)
        and after the page's own action, whose next step (``then``) runs once it has
        landed. Actions pressed meanwhile wait for it (the last one runs, once). Supersedes
        any refresh still loading."""
        if then is not None:
            self._then.append(then)
        self._awaiting = True
        self._run_load(audit, "opening the case" if audit else "reloading the case")

    def refresh(self) -> None:
        """Load in the background (a change notice): the page keeps showing what it has,
        with a busy cursor, and a newer refresh or reload supersedes this one (a reload's
        next step then runs when the refresh lands)."""
        self._run_load(False, "refreshing the case")

    def _run_load(self, audit: bool, doing: str) -> None:
        session, case_id = self.session, self.case_id
        self.setCursor(Qt.CursorShape.BusyCursor)
        self._loads.run(lambda: _load(session, case_id, audit), self._show,
                        lambda exc: self._load_failed(exc, doing), doing=doing)

    def is_loading(self) -> bool:
        """A load is on its way (tests wait for this to be False)."""
        return self._awaiting or self._loads.running()

    def when_loaded(self, step: Callable[[], None]) -> None:
        """Run ``step`` now if nothing the page needs is loading, else once it lands (an
        action pressed twice meanwhile runs once)."""
        if self._awaiting:
            self._queued = step
        else:
            step()

    def _load_failed(self, exc: Exception, doing: str) -> None:
        self.unsetCursor()
        self._awaiting, self._then, self._queued = False, [], None
        if not self.loaded:
            self.loading.setText("The case could not be opened. Go back and try again.")
        show_failure(self, exc, doing)

    def _show(self, loaded: tuple[CaseView, CaseRecords, Any]) -> None:
        self.unsetCursor()
        self.case, self.records, self.library = loaded
        self.screenings = ScreeningController(self.library, self.case.age_at_referral,
                                              self.records.screenings, self.records.skipped)
        titles = {d.id: d.short_title for d in self.library.all()}
        youth = self.overview.show_case(self.case, self.records, titles, self.session.now())
        self.youth_panel = youth
        if youth is not None:
            youth.record_parent_carer.connect(self.record_parent_carer)
            youth.record_consent.connect(self.record_consent)
            youth.refer.connect(self.refer)
        first = not self.loaded
        self.loaded, self._awaiting = True, False
        if self.wizard is None and self.result is None:
            self.stack.setCurrentWidget(self.overview)
        if first:
            self.stack.removeWidget(self.loading)
            self.loading.hide()
            focus = QApplication.focusWidget()
            if self.isVisible() and (focus is None or focus is self.loading
                                     or not focus.isVisible()):
                self.tabs.setFocus(Qt.FocusReason.OtherFocusReason)
        steps, self._then = self._then, []
        queued, self._queued = self._queued, None
        for step in steps:
            step()
        if queued is not None:
            queued()

    def on_changes(self, changes: Changes) -> None:
        if self.session.is_locked:
            return
        if self.case_id in changes.ids \
                or changes.touches(SyncedEntity.PERSON, SyncedEntity.CONSENT):
            self.refresh()

    def show_problem(self, message: str) -> None:
        self.overview.show_problem(message)

    def _action(self, key: str) -> None:
        """An action button: pressed while the page's own reload runs, it waits for it."""
        actions: dict[str, Callable[[], None]] = {
            "consent": self.consent, "screening": self.screening, "risk": self.risk,
            "escalate": self.escalate, "refer": self.refer, "support": self.support,
            "note": self.note, "share": self.share, "outcome": self.outcome,
            "correct": self.correct_details, "move": self.move_case,
            HISTORY: self.show_access_history}
        self.when_loaded(actions[key])

    def show_access_history(self) -> None:
        maintenance, case_id = self.session.maintenance, self.case_id
        self.access.open("Access history: this case",
                          lambda: maintenance.access_history(case_id=case_id))

    @property
    def history_dialog(self) -> AccessHistoryDialog | None:
        return self.access.dialog

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
        person_id, persons = self.case.person.id, self.session.persons
        self._open(ReasonDialog(
            "Parent or carer", "Name, relationship and how to contact them.",
            lambda text: persons.set_parent_carer(person_id, text), self, "Save",
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

    # ------------------------------------------------------------------ list actions, by id
    def _record_action(self, key: str, ref: RecordRef | None) -> None:
        """A list button: the record is the one whose id the selected row carries."""
        r = self.records
        kinds: dict[str, tuple[Sequence[Any], str, Callable[[Any], object]]] = {
            "update_escalation": (r.escalations, "an escalation", lambda e: self._open(
                EscalationStatusDialog(self.session, e, self))),
            "update_referral": (r.referrals, "a referral", lambda x: self._open(
                ReferralStatusDialog(self.session, x, self))),
            "action_done": (r.actions, "a support action", self._complete_action),
            "amend_note": (r.notes, "a note", lambda n: self._open(
                NoteDialog(self.session, self.case, self, n))),
        }
        records, what, act = kinds[key]
        if self._awaiting:                   # the list is being reloaded: ask again after
            self.when_loaded(lambda: self._record_action(key, ref))
            return
        found = next((x for x in records if ref is not None and x.id == ref.id), None)
        if found is None:
            self.show_problem(f"Choose {what} in the list first.")
            return
        act(found)

    def _complete_action(self, action: SupportView) -> None:
        if action.done_at is not None:       # a second press never re-stamps the time
            self.show_problem("That support action is already done.")
            return
        if action.id in self._completing:    # pressed again while it is being saved
            return
        self._completing.add(action.id)
        referrals, action_id = self.session.referrals, action.id
        Operation(self, lambda: referrals.complete_action(action_id),
                  doing="marking the support action done") \
            .success(lambda _view: self._action_completed(action_id)) \
            .failure(lambda exc: self._action_refused(action_id, exc)).run(at_once=True)

    def _action_completed(self, action_id: uuid.UUID) -> None:
        self._completing.discard(action_id)
        self.reload()           # a press meanwhile waits for it (and finds the action done)

    def _action_refused(self, action_id: uuid.UUID, exc: Exception) -> None:
        self._completing.discard(action_id)
        if isinstance(exc, REFUSALS):        # gone, or not allowed
            self.show_problem(str(exc))
        else:
            show_failure(self, exc, "marking the support action done")

    # ------------------------------------------------------------------ screening
    def screening(self) -> None:
        step = self.screenings.next_step()
        if isinstance(step, ResumeDraft):
            self.open_wizard(step.screening)
        elif isinstance(step, ChooseInstrument):
            chooser = InstrumentChooser(step.offered, step.suggested, self, step.problems)
            chooser.saved.connect(self.start_screening)
            self.dialog = chooser
            chooser.open()
        else:
            self.start_screening(step.instrument_id)

    def start_screening(self, instrument_id: str) -> None:
        """Start a draft in the background, owned by the page; the wizard opens when it is
        stored. A second press while it starts does nothing."""
        if self._starting:
            return
        try:
            definition = self.screenings.check_start(instrument_id)
        except (ValueError, KeyError, PermissionError) as exc:
            self._start_refused(exc)
            return
        self._starting = True
        screenings, case_id, version = self.session.screenings, self.case_id, definition.version
        Operation(self, lambda: screenings.start(case_id, instrument_id, version),
                  doing="starting the screening") \
            .success(self._started).failure(self._start_refused).run(at_once=True)

    def _started(self, view: ScreeningView) -> None:
        self._starting = False
        self.open_wizard(view)

    def _start_refused(self, exc: Exception) -> None:
        self._starting = False
        if isinstance(exc, (*REFUSALS, KeyError)):
            self.close_overlays()
            self.show_problem(str(exc).strip("'\""))
        else:
            show_failure(self, exc, "starting the screening")

    def open_wizard(self, screening: ScreeningView | None,
                    amend_of: ScreeningView | None = None) -> None:
        source = screening or amend_of
        if source is None:
            return
        definition = self.library.get(source.instrument_id)
        self.close_overlays()
        self.wizard = ScreeningWizard(self.session, self.case, definition, screening, amend_of)
        self.wizard.completed.connect(self.show_result)
        self.wizard.closed.connect(self.back_to_case)
        self.stack.addWidget(self.wizard)
        self.stack.setCurrentWidget(self.wizard)
        if self.wizard.editor is not None:
            self.wizard.editor.focus_first()

    def open_screening(self, ref: RecordRef) -> None:
        step = self.screenings.open(ref.id) if ref.kind == SyncedEntity.SCREENING else None
        if isinstance(step, ResumeDraft):
            self.open_wizard(step.screening)
        elif isinstance(step, ShowResult):
            self.show_result(step.screening)

    def show_result(self, view: ScreeningView) -> None:
        """The result, over the case reloaded first (what it suggests next depends on the
        case's screenings); the wizard stays until then."""
        self.reload(then=lambda: self._show_result(view))

    def _show_result(self, view: ScreeningView) -> None:
        self.close_overlays()
        definition = self.library.get(view.instrument_id)
        panel = ResultPanel(view, definition, self.screenings.next_instruments(),
                            can_sign_off=self.session.can(Permission.EDIT_RECORDS),
                            superseded=view.id in self.screenings.superseded())
        panel.escalate.connect(self.escalate)
        panel.refer.connect(self.refer)
        panel.start_instrument.connect(self.start_screening)
        panel.skip_instrument.connect(self.skip_instrument)
        panel.sign_off.connect(lambda: self.sign_off(panel, view.id))
        panel.amend.connect(lambda: self.open_wizard(None, amend_of=view))
        panel.export_fhir.connect(lambda: panel.export_status.setText(export_screening(
            self.session, self.case_id, view.id, panel, self.choose_fhir_path)))
        panel.back.connect(self.back_to_case)
        self.result = panel
        self.result_view = view
        self.stack.addWidget(panel)
        self.stack.setCurrentWidget(panel)

    def sign_off(self, panel: ResultPanel, screening_id: uuid.UUID) -> None:
        """Sign off in the background, owned by the result panel: its button is disabled
        meanwhile (one press, one signature); the signed-off result replaces the panel."""
        panel.sign_off_button.setEnabled(False)
        screenings = self.session.screenings

        def refused(exc: Exception) -> None:
            panel.sign_off_button.setEnabled(True)
            if isinstance(exc, REFUSALS):
                self.show_problem(str(exc))
            else:
                show_failure(panel, exc, "signing off the screening")

        Operation(panel, lambda: screenings.sign_off(screening_id),
                  doing="signing off the screening").success(self.show_result) \
            .failure(refused).run(at_once=True)

    def skip_instrument(self, instrument_id: str) -> None:
        case_id, suggested_by = self.case_id, self.result_view.id
        screenings = self.session.screenings
        dialog = self._open(ReasonDialog(
            "Not using a suggested instrument", "Say why (for example: declined, too "
            "distressed, already known to services). This is kept on the case record and "
            "shown in its timeline.",
            lambda reason: screenings.skip_suggested(
                case_id, instrument_id, reason, suggested_by),
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
            self.wizard.flush_drafts()

    def close_for_lock(self) -> None:
        """No load result is shown after a lock, and no next step runs."""
        self._loads.cancel()
        self._awaiting, self._then, self._queued = False, [], None
