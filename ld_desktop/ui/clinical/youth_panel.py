"""The youth pathway checklist on a 10-17 year old's case: parent or carer, appropriate
adult, youth offending team liaison, children's safeguarding referral considered."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton

from ld_desktop.domain.consent import ASSESSMENT_SCOPE
from ld_desktop.domain.pathway import Recipient
from ld_desktop.services.views import CaseView
from ld_desktop.ui.clinical.case_records import CaseRecords

DONE, TO_DO = "✔", "✘"


class YouthPanel(QFrame):
    record_parent_carer = Signal()
    record_consent = Signal(str)      # consent scope
    refer = Signal(str)               # service directory code

    def __init__(self, case: CaseView, records: CaseRecords) -> None:
        super().__init__()
        self.setObjectName("youth")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        assessment = [c for c in records.consents if c.scope == ASSESSMENT_SCOPE]
        referred = {r.service_code for r in records.referrals}
        yot_consent = any(c.scope == Recipient.YOT.value for c in records.consents)
        self.checks = {
            "parent-carer": bool(case.person.parent_carer),
            "appropriate-adult": bool(assessment and assessment[-1].appropriate_adult),
            "yot": "yot" in referred or yot_consent,
            "safeguarding": "child-safeguarding" in referred,
        }
        rows = [
            ("parent-carer", "Parent or carer details recorded",
             "Record parent or carer…", self.record_parent_carer.emit),
            ("appropriate-adult", "Appropriate adult recorded with the assessment consent",
             "Record consent…", lambda: self.record_consent.emit(ASSESSMENT_SCOPE)),
            ("yot", "Youth offending team liaison (consent to share or referral)",
             "Consent to share with YOT…", lambda: self.record_consent.emit(Recipient.YOT.value)),
            ("safeguarding", "Children's safeguarding referral considered",
             "Refer to children's social care…", lambda: self.refer.emit("child-safeguarding")),
        ]
        grid = QGridLayout(self)
        heading = QLabel("Young person pathway (10–17): complete before screening")
        heading.setObjectName("section")
        grid.addWidget(heading, 0, 0, 1, 3)
        self.buttons: dict[str, QPushButton] = {}
        for row, (key, text, action_text, action) in enumerate(rows, start=1):
            done = self.checks[key]
            mark = QLabel(DONE if done else TO_DO)
            mark.setAccessibleName("done" if done else "to do")
            mark.setObjectName("" if done else "error")
            grid.addWidget(mark, row, 0)
            grid.addWidget(QLabel(text), row, 1)
            if not done:
                button = QPushButton(action_text)
                button.setAccessibleName(action_text.rstrip("…"))
                button.clicked.connect(action)
                self.buttons[key] = button
                grid.addWidget(button, row, 2)
        grid.setColumnStretch(1, 1)
