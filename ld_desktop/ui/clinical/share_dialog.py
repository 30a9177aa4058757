"""Share information with one recipient: only what the person consented to share with them.

The recipient list shows the consent in force for each; choosing one without consent shows
why nothing can be shared and the report cannot be saved. The PDF is saved where the user
chooses and the share is recorded (who, to whom, when, what) and audited by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QTextBrowser,
    QWidget,
)

from ld_desktop.domain.consent import Decision
from ld_desktop.domain.pathway import Recipient
from ld_desktop.domain.recommendations import suggested_recommendations
from ld_desktop.paths import export_dir
from ld_desktop.services.session import UserSession
from ld_desktop.services.sharing import SECTIONS, NoConsentToShare, ShareReport
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.form_dialog import FormDialog, InBackground, text_box
from ld_desktop.ui.operations import Debounce, LatestOnly, show_failure
from ld_desktop.ui.pdf.share_report import share_report_html, write_share_report

PathChooser = Callable[[QWidget, str], Path | None]


def choose_pdf_path(parent: QWidget, suggested: str) -> Path | None:
    """Ask where to save a report, starting in the signed-in user's own export folder."""
    username = _signed_in_user(parent)
    start = str(export_dir(username) / suggested) if username else suggested
    name, _ = QFileDialog.getSaveFileName(parent, "Save the report", start, "PDF (*.pdf)")
    return Path(name) if name else None


def _signed_in_user(widget: QWidget | None) -> str | None:
    """The username of the session the nearest enclosing page, dialog or window works for."""
    while widget is not None:
        for name in ("session", "_session", "_s"):
            user = getattr(getattr(widget, name, None), "user", None)
            username = getattr(user, "username", None)
            if isinstance(username, str):
                return username
        widget = widget.parentWidget()
    return None


#: the recipient, the sections and the recommendations a report was built for
Choices = tuple[str, tuple[str, ...], tuple[str, ...]]

#: the pause in typing or toggling before the preview is rebuilt
PREVIEW_DELAY_MS = 150


#: the Include boxes' labels with their Alt keys (R and D are the form's rows)
_MNEMONICS = {"vulnerabilities": "&Vulnerabilities identified",
              "screening": "Screenin&g results", "recommendations": "Reco&mmendations"}


class ShareDialog(FormDialog):
    """The consent in force and the preview are read in the background (``LatestOnly``
    operations owned by the dialog; the preview behind a short ``Debounce``). Save is on only
    while the report shown was built for the choices now made: any change turns it off until
    the rebuilt preview lands, and Save records the report shown, never a second build."""

    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None,
                 choose_path: PathChooser = choose_pdf_path) -> None:
        super().__init__("Share information", parent, "Save PDF and record as shared")
        self.setMinimumSize(720, 640)
        self._session = session
        self._case = case
        self._choose_path = choose_path
        self.saved_path: Path | None = None
        self._report: ShareReport | None = None
        self._built_for: Choices | None = None
        self._consent_back = False
        self._user_chose = False
        self._consent_load = LatestOnly(self)
        self._preview_load = LatestOnly(self)
        self._rebuild = Debounce(self, PREVIEW_DELAY_MS, self._build_now)
        self.recipient = QComboBox()
        for recipient in Recipient:
            self.recipient.addItem(f"{recipient.label} (checking consent\u2026)", recipient.value)
        self.add_row("&Recipient", self.recipient)
        self.sections: dict[str, QCheckBox] = {}
        include = QWidget()
        row = QHBoxLayout(include)
        row.setContentsMargins(0, 0, 0, 0)
        for key, text in SECTIONS.items():
            box = QCheckBox(_MNEMONICS.get(key, text))   # Alt+V, Alt+G, Alt+M
            box.setChecked(True)
            box.setAccessibleName(f"Include {text.lower()}")
            self.sections[key] = box
            row.addWidget(box)
        row.addStretch(1)
        self.form.addRow("Include", include)
        self.recommendations = text_box("One recommendation per line", 5)
        self.recommendations.setPlainText(
            "\n".join(suggested_recommendations(case.flags, case.is_youth)))
        self.add_row("Recommen&dations", self.recommendations)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Report preview")
        # the form's layout sets the dialog's minimum from its contents (so the error line
        # fits), which overrode setMinimumSize: the preview asks for its room itself
        self.preview.setMinimumSize(700, 320)
        self.preview.setHtml("<p>Checking consent\u2026</p>")
        self.layout_.insertWidget(1, self.preview, 1)
        self.save_button.setEnabled(False)
        self.recipient.currentIndexChanged.connect(self._recipient_chosen)
        for box in self.sections.values():
            box.toggled.connect(self.refresh_preview)
        self.recommendations.textChanged.connect(self.refresh_preview)
        consent = session.consent
        self._consent_load.run(lambda: consent.in_force(case.id), self._consent_arrived,
                               doing="checking consent")

    def _consent_arrived(self, consent: dict[str, Any]) -> None:
        for index, recipient in enumerate(Recipient):
            decision = consent.get(recipient.value)
            state = "no consent recorded"
            if decision is not None:
                state = (f"consent {decision.decision.value} "
                         f"{decision.decided_at.astimezone():%d/%m %H:%M}")
            self.recipient.setItemText(index, f"{recipient.label} ({state})")
        given = [r.value for r in Recipient if (d := consent.get(r.value)) is not None
                 and d.decision is Decision.GIVEN]
        self._consent_back = True
        if given and not self._user_chose:
            self.recipient.blockSignals(True)
            self.recipient.setCurrentIndex(self.recipient.findData(given[0]))
            self.recipient.blockSignals(False)
        self._build_now()

    def _recipient_chosen(self) -> None:
        self._user_chose = True
        self.refresh_preview()

    def choices(self) -> Choices:
        """What the report is to hold, as plain values (read on the GUI thread)."""
        return (str(self.recipient.currentData()),
                tuple(k for k, box in self.sections.items() if box.isChecked()),
                tuple(self.recommendations.toPlainText().splitlines()))

    def preview_is_current(self) -> bool:
        """The report shown was built for the choices now made."""
        return self._report is not None and self._built_for == self.choices()

    def refresh_preview(self) -> None:
        """A choice changed: Save is off until the preview for it is back."""
        self.save_button.setEnabled(False)
        self._rebuild.trigger()

    def _build_now(self) -> None:
        if not self._consent_back:
            return   # the first build follows the consent
        choices = self.choices()
        sharing, case_id = self._session.sharing, self._case.id
        recipient, sections, lines = choices
        self._preview_load.run(
            lambda: sharing.build(case_id, recipient, list(sections), list(lines)),
            lambda report: self._built(choices, report),
            lambda exc: self._not_built(choices, exc), doing="preparing the report")

    def _built(self, choices: Choices, report: ShareReport) -> None:
        if choices != self.choices():
            return   # a newer build is on its way
        self._report, self._built_for = report, choices
        self.error.hide()
        self.preview.setHtml(share_report_html(report))
        self.save_button.setEnabled(self.saving is None)

    def _not_built(self, choices: Choices, exc: Exception) -> None:
        if choices != self.choices():
            return
        self._report, self._built_for = None, None
        self.save_button.setEnabled(False)
        if isinstance(exc, NoConsentToShare):
            self.preview.setHtml("<p><b>Nothing can be shared with this recipient.</b></p>")
            self.show_error(str(exc))
        elif isinstance(exc, ValueError):
            self.preview.clear()
            self.show_error(str(exc))
        else:
            self.preview.clear()
            show_failure(self, exc, "preparing the report")

    def submit(self) -> InBackground:
        report = self._report
        if report is None or not self.preview_is_current():
            raise ValueError("The report is still being prepared; nothing has been shared.")
        suggested = f"LD-information-{report.recipient}-{report.prepared_at:%Y%m%d-%H%M}.pdf"
        path = self._choose_path(self, suggested)
        if path is None:
            raise ValueError("Choose where to save the report; nothing has been shared.")
        try:   # the PDF is drawn here, on the GUI thread (Qt's text layout and painter)
            write_share_report(report, path)
        except OSError as exc:   # no partial copy is left (write_pdf removes it)
            raise ValueError(f"The report could not be saved in {path.parent} "
                             f"({exc.strerror or exc}); nothing has been shared.") from None
        sharing = self._session.sharing

        def record() -> Path:
            sharing.record_shared(report, saved_as=path.name)
            return path
        return InBackground(record)

    def _refused(self, exc: Exception) -> None:
        super()._refused(exc)
        self.save_button.setEnabled(self.preview_is_current())

    def done(self, result: int) -> None:
        """Closed (saved, cancelled or locked): no more builds, none of theirs shown."""
        self._rebuild.stop()
        self._consent_load.cancel()
        self._preview_load.cancel()
        super().done(result)

    def _saved(self, value: Any) -> None:
        self.saved_path = value
        super()._saved(value)
