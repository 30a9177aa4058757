"""A screening's result in plain words: scores and bands, the flags raised (most serious
first), and suggested next steps (escalate, refer, further instruments). Signing off and
amending start here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ld_desktop.domain.instruments.definition import InstrumentDefinition
from ld_desktop.domain.screening_state import ScreeningState
from ld_desktop.services.clinical.screenings import ScreeningView
from ld_desktop.services.service_directory import find

SEVERITY_ORDER = {"urgent": 0, "warning": 1, "info": 2}
SEVERITY_WORDS = {"urgent": "URGENT", "warning": "Concern", "info": "Note"}


def score_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for score in result.get("scores", {}).values():
        if score.get("words"):            # results stored since issue 15 say it themselves
            source = score.get("prorate_source")
            lines.append(score["words"] + (f" (rule: {source})" if source else ""))
        elif score.get("value") is None:
            lines.append(f"{score['label']}: not scored (too few answers)")
        else:
            value = f"{score['value']:g}" + (" (pro-rated)" if score.get("prorated") else "")
            band = f", {score['band']}" if score.get("band") else ""
            lines.append(f"{score['label']}: {value}{band}")
    return lines


def flag_lines(result: dict[str, Any]) -> list[tuple[str, str]]:
    flags = sorted(result.get("flags", []), key=lambda f: SEVERITY_ORDER.get(f["severity"], 3))
    return [(f["severity"], f"{SEVERITY_WORDS.get(f['severity'], '')}: {f['text']}"
             + _marks(f)) for f in flags]


def _marks(flag: dict[str, Any]) -> str:
    if flag.get("prorated"):
        return " [pro-rated estimate]"
    return " [partial form: already proven by the answers given]" if flag.get("partial") else ""


def source_lines(result: dict[str, Any]) -> list[str]:
    """Where each raised flag's cut-off or criterion is published."""
    return list(dict.fromkeys(f"{f['text'].split(':')[0]}: {f['source']}"
                              for f in result.get("flags", []) if f.get("source")))


def state_words(view: ScreeningView) -> str:
    if view.state == ScreeningState.SIGNED_OFF:
        at = view.signed_off_at
        words = f"Signed off by {view.signed_off_by} on {at.astimezone():%d/%m/%Y %H:%M}" \
            if at else "Signed off"
        if view.signature_verified is None:
            return words
        return words + (" (signature verified)" if view.signature_verified
                        else " (signature not verified)")
    if view.state == ScreeningState.COMPLETED:
        return "Completed, awaiting sign-off"
    return "In progress"


class ResultPanel(QWidget):
    """Emits what the practitioner chose to do next; the case page acts on it."""

    escalate = Signal(str, str)        # urgency, reason
    refer = Signal(str)                # service directory code
    start_instrument = Signal(str)
    skip_instrument = Signal(str)
    sign_off = Signal()
    amend = Signal()
    export_fhir = Signal()
    back = Signal()

    def __init__(self, view: ScreeningView, definition: InstrumentDefinition,
                 next_instruments: list[InstrumentDefinition], *, can_sign_off: bool,
                 superseded: bool = False) -> None:
        super().__init__()
        result = view.result
        layout = QVBoxLayout(self)
        title = QLabel(f"{definition.short_title}: result")
        title.setObjectName("title")
        layout.addWidget(title)
        state = QLabel(state_words(view) + ("  ·  AMENDED: see the later version"
                                            if superseded else "")
                       + ("  ·  observation only (no consent to assessment)"
                          if view.observation_only else ""))
        state.setObjectName("subtitle")
        layout.addWidget(state)
        if result.get("amendment_reason"):
            layout.addWidget(QLabel(f"Amendment: {result['amendment_reason']}"))
        if result.get("stopped_reason"):
            stopped = QLabel(f"Stopped early: {result['stopped_reason']}")
            stopped.setWordWrap(True)
            layout.addWidget(stopped)
        for line in score_lines(result):
            label = QLabel(line)
            label.setObjectName("score")
            layout.addWidget(label)
        self.flag_labels: list[QLabel] = []
        for severity, line in flag_lines(result):
            label = QLabel(line)
            label.setWordWrap(True)
            label.setObjectName("error" if severity == "urgent" else "flag")
            self.flag_labels.append(label)
            layout.addWidget(label)
        if not result.get("flags"):
            layout.addWidget(QLabel("No flags raised."))
        if result.get("complete") is False:
            partial = QLabel("PARTIAL: not every question was answered; the scores and flags "
                             "show only what the answers given already prove.")
            partial.setWordWrap(True)
            partial.setObjectName("flag")
            layout.addWidget(partial)
        sources = source_lines(result)
        if sources:
            cited = QLabel("Cut-offs and sources: " + " · ".join(sources))
            cited.setWordWrap(True)
            cited.setObjectName("subtitle")
            layout.addWidget(cited)
        layout.addSpacing(8)
        layout.addWidget(self._heading("Suggested next steps"))
        self.step_buttons: dict[str, QPushButton] = {}
        if result.get("escalation"):
            urgency = str(result["escalation"])
            reason = "; ".join(text for severity, text in flag_lines(result)
                               if severity != "info")
            self._step(layout, "escalate", f"Escalate to a clinician ({urgency})",
                       lambda: self.escalate.emit(urgency, reason))
        for code in result.get("referrals", []):
            try:
                name = find(code).name
            except ValueError:
                continue
            self._step(layout, f"refer:{code}", f"Refer to {name}",
                       lambda c=code: self.refer.emit(c))
        for nxt in next_instruments:
            row = QHBoxLayout()
            start = QPushButton(f"Start {nxt.short_title}")
            start.setAccessibleName(f"Start {nxt.short_title}")
            start.clicked.connect(lambda _=False, i=nxt.id: self.start_instrument.emit(i))
            skip = QPushButton(f"Not now ({nxt.short_title})…")
            skip.setAccessibleName(f"Do not use {nxt.short_title}, with a reason")
            skip.clicked.connect(lambda _=False, i=nxt.id: self.skip_instrument.emit(i))
            self.step_buttons[f"start:{nxt.id}"] = start
            self.step_buttons[f"skip:{nxt.id}"] = skip
            row.addWidget(start)
            row.addWidget(skip)
            row.addStretch(1)
            layout.addLayout(row)
        if not self.step_buttons:
            layout.addWidget(QLabel("None suggested by this instrument."))
        layout.addStretch(1)
        actions = QHBoxLayout()
        back = QPushButton("&Back to case")
        back.setAccessibleName("Back to case")
        back.clicked.connect(self.back.emit)
        actions.addWidget(back)
        actions.addStretch(1)
        if view.state == ScreeningState.COMPLETED and can_sign_off:
            self.sign_off_button = QPushButton("&Sign off")
            self.sign_off_button.setAccessibleName("Sign off this screening")
            self.sign_off_button.clicked.connect(self.sign_off.emit)
            actions.addWidget(self.sign_off_button)
        self.export_status = QLabel("")
        self.export_status.setWordWrap(True)
        if view.state == ScreeningState.SIGNED_OFF:
            self.export_button = QPushButton("E&xport FHIR…")
            self.export_button.setAccessibleName("Export this screening as FHIR (UK Core)")
            self.export_button.clicked.connect(self.export_fhir.emit)
            actions.addWidget(self.export_button)
        if view.state == ScreeningState.SIGNED_OFF and not superseded:
            self.amend_button = QPushButton("&Amend…")
            self.amend_button.setAccessibleName("Amend this signed-off screening")
            self.amend_button.clicked.connect(self.amend.emit)
            actions.addWidget(self.amend_button)
        layout.addLayout(actions)
        layout.addWidget(self.export_status)

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("section")
        return label

    def _step(self, layout: QVBoxLayout, key: str, text: str, action: Any) -> None:
        button = QPushButton(text)
        button.setAccessibleName(text)
        button.clicked.connect(action)
        self.step_buttons[key] = button
        row = QHBoxLayout()
        row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
