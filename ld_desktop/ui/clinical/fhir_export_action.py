"""'Export FHIR…' on a signed-off screening's result: choose a file, write the UK Core
Bundle, say where it went (or why not). The service audits it as an export."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from ld_desktop.services.clinical.fhir_export import FhirExportService, NotExportable
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession

PathChooser = Callable[[QWidget, str], Path | None]


def choose_json_path(parent: QWidget, suggested: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "Save the FHIR export", suggested,
                                          "FHIR JSON (*.json)")
    return Path(name) if name else None


def export_screening(session: UserSession, case_id: uuid.UUID, screening_id: uuid.UUID,
                     parent: QWidget, choose_path: PathChooser = choose_json_path) -> str:
    """Plain words for the result panel: where the Bundle was saved, or why it was not."""
    path = choose_path(parent, f"screening-{str(screening_id)[:8]}.fhir.json")
    if path is None:
        return "Export cancelled; nothing was written."
    try:
        bundle = FhirExportService(session).export_case(case_id, screening_id)
    except (NotExportable, RecordNotFound, PermissionError) as exc:
        return f"Not exported: {exc}"
    try:
        path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        return f"Not saved: {exc.strerror or exc} ({path})."
    return f"Exported as FHIR (UK Core) to {path}."
