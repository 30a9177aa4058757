"""'Export FHIR…' on a signed-off screening's result, driven through the case view."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from PySide6.QtCore import Qt

from ld_desktop.ui.main_window import MainWindow
from tests.helpers.clinical import answer_all, give_consent, new_case


def test_export_fhir_from_the_result_of_a_signed_off_screening(  # type: ignore[no-untyped-def]
        qtbot, wizard_of, open_case, window: MainWindow, tmp_path: Path) -> None:
    session = window.session
    assert session is not None
    page = open_case(window, new_case(session, age=35, family="ZZFHIR"))
    give_consent(qtbot, page)
    page.screening()
    wizard_of(page)
    answer_all(qtbot, page.wizard, {}, default=2)
    panel = page.result
    assert panel is not None
    assert not hasattr(panel, "export_button")           # completed, not yet signed off
    qtbot.mouseClick(panel.sign_off_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result is not panel)     # signed off in the background
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


def test_person_stops_answering_partial_result_signed_off_and_exported_as_stopped(  # type: ignore[no-untyped-def]
        qtbot, wizard_of, open_case, window: MainWindow, tmp_path: Path) -> None:
    """Issue 15: a PHQ-9 stopped after 8 answers at 'nearly every day' shows what those
    answers prove (at least 24, severe; moderate and major-syndrome flags, marked partial)."""
    session = window.session
    assert session is not None
    page = open_case(window, new_case(session, age=29, family="ZZSTOP"))
    give_consent(qtbot, page)
    page.start_screening("phq9")
    wizard = wizard_of(page)
    for _ in range(8):
        qtbot.keyClick(wizard, Qt.Key.Key_4)           # 'Nearly every day' (3)
        qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.flow.current.id == "phq9.9"
    qtbot.mouseClick(wizard.stop_button, Qt.MouseButton.LeftButton)
    dialog = wizard.stop_dialog
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()                           # a reason is needed
    dialog.reason.setPlainText("Declined to go on (fictional)")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result is not None)   # stopped in the background
    panel = page.result
    assert panel is not None
    from PySide6.QtWidgets import QLabel
    texts = [label.text() for label in panel.findChildren(QLabel)]
    assert "PHQ-9 total: at least 24 (8 of 9 items), severe depression" in texts
    assert "Stopped early: Declined to go on (fictional)" in texts
    assert any(t.startswith("PARTIAL: not every question was answered") for t in texts)
    assert any("major depressive syndrome" in t and "[partial form" in t for t in texts)
    qtbot.mouseClick(panel.sign_off_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result is not panel)     # signed off in the background
    target = tmp_path / "stopped.fhir.json"
    page.choose_fhir_path = lambda _parent, _name: target
    qtbot.mouseClick(page.result.export_button, Qt.MouseButton.LeftButton)
    bundle = json.loads(target.read_text("utf-8"))
    Bundle.model_validate(bundle)
    (response,) = [e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert response["status"] == "stopped"
    assert len(response["item"]) == 8
