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


class ShareDialog(FormDialog):
    def __init__(self, session: UserSession, case: CaseView, parent: QWidget | None = None,
                 choose_path: PathChooser = choose_pdf_path) -> None:
        super().__init__("Share information", parent, "Save PDF and record as shared")
        self.setMinimumSize(720, 640)
        self._session = session
        self._case = case
        self._choose_path = choose_path
        self.saved_path: Path | None = None
        consent = session.consent.in_force(case.id)
        self.recipient = QComboBox()
        for recipient in Recipient:
            decision = consent.get(recipient.value)
            state = "no consent recorded"
            if decision is not None:
                state = (f"consent {decision.decision.value} "
                         f"{decision.decided_at.astimezone():%d/%m %H:%M}")
            self.recipient.addItem(f"{recipient.label} ({state})", recipient.value)
        given = [r.value for r in Recipient if (d := consent.get(r.value)) is not None
                 and d.decision is Decision.GIVEN]
        if given:
            self.recipient.setCurrentIndex(self.recipient.findData(given[0]))
        self.add_row("&Recipient", self.recipient)
        self.sections: dict[str, QCheckBox] = {}
        include = QWidget()
        row = QHBoxLayout(include)
        row.setContentsMargins(0, 0, 0, 0)
        for key, text in SECTIONS.items():
            box = QCheckBox(text)
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
        self.layout_.insertWidget(1, self.preview, 1)
        self.recipient.currentIndexChanged.connect(self.refresh_preview)
        for box in self.sections.values():
            box.toggled.connect(self.refresh_preview)
        self.recommendations.textChanged.connect(self.refresh_preview)
        self.refresh_preview()

    def build(self) -> ShareReport:
        return self._session.sharing.build(
            self._case.id, self.recipient.currentData(),
            [k for k, box in self.sections.items() if box.isChecked()],
            self.recommendations.toPlainText().splitlines())

    def refresh_preview(self) -> None:
        try:
            report = self.build()
        except NoConsentToShare as exc:
            self.preview.setHtml("<p><b>Nothing can be shared with this recipient.</b></p>")
            self.show_error(str(exc))
            self.save_button.setEnabled(False)
            return
        except ValueError as exc:
            self.preview.clear()
            self.show_error(str(exc))
            self.save_button.setEnabled(False)
            return
        self.error.hide()
        self.save_button.setEnabled(True)
        self.preview.setHtml(share_report_html(report))

    def submit(self) -> InBackground:
        report = self.build()
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

    def _saved(self, value: Any) -> None:
        self.saved_path = value
        super()._saved(value)
