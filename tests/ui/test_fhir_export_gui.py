"""'Export FHIR…' on a signed-off screening's result, driven through the case view."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from PySide6.QtCore import Qt

from ld_desktop.ui.main_window import MainWindow
from tests.ui.test_clinical_workflow import (  # the same real window and helpers
    _answer_all,
    _give_consent,
    _new_case,
    _open,
    window,
)

__all__ = ["window"]


def test_export_fhir_from_the_result_of_a_signed_off_screening(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    session = window.session
    assert session is not None
    page = _open(window, _new_case(session, age=35, family="ZZFHIR"))
    _give_consent(qtbot, page)
    page.screening()
    assert page.wizard is not None
    _answer_all(qtbot, page.wizard, {}, default=2)
    panel = page.result
    assert panel is not None
    assert not hasattr(panel, "export_button")           # completed, not yet signed off
    qtbot.mouseClick(panel.sign_off_button, Qt.MouseButton.LeftButton)
    panel = page.result
    target = tmp_path / "export.fhir.json"
    page.choose_fhir_path = lambda _parent, _name: target
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert panel.export_status.text() == f"Exported as FHIR (UK Core) to {target}."
    bundle = json.loads(target.read_text("utf-8"))
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "Questionnaire", "QuestionnaireResponse"]
    page.choose_fhir_path = lambda _parent, _name: None
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert panel.export_status.text() == "Export cancelled; nothing was written."
    page.choose_fhir_path = lambda _parent, _name: tmp_path / "missing-folder" / "x.json"
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert panel.export_status.text().startswith("Not saved:")
