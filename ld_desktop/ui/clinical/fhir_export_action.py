"""'Export FHIR…' on a signed-off screening's result: choose a file, then build and write
the UK Core Bundle in the background, and say where it went (or why not). The service audits
it as an export."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from ld_desktop.services.clinical.fhir_export import FhirExportService, NotExportable
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.ui.operations import Operation

PathChooser = Callable[[QWidget, str], Path | None]


def choose_json_path(parent: QWidget, suggested: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "Save the FHIR export", suggested,
                                          "FHIR JSON (*.json)")
    return Path(name) if name else None


def export_screening(session: UserSession, case_id: uuid.UUID, screening_id: uuid.UUID,
                     parent: QWidget, show: Callable[[str], None],
                     choose_path: PathChooser = choose_json_path) -> Operation | None:
    """Ask where to save (a dialog, here), then build and write the Bundle as an operation
    owned by ``parent``: it reads the store. ``show`` gets plain words for the result panel:
    where the Bundle was saved, or why it was not. The operation, or None if cancelled."""
    path = choose_path(parent, f"screening-{str(screening_id)[:8]}.fhir.json")
    if path is None:
        show("Export cancelled; nothing was written.")
        return None
    show("Exporting…")
    return Operation(parent, lambda: _export(session, case_id, screening_id, path),
                     doing="exporting the screening as FHIR").success(show).run()


def _export(session: UserSession, case_id: uuid.UUID, screening_id: uuid.UUID,
            path: Path) -> str:
    """On a worker: the Bundle, written to ``path``; what to say about it."""
    try:
        bundle = FhirExportService(session).export_case(case_id, screening_id)
    except (NotExportable, RecordNotFound, PermissionError) as exc:
        return f"Not exported: {exc}"
    try:
        path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        return f"Not saved: {exc.strerror or exc} ({path})."
    return f"Exported as FHIR (UK Core) to {path}."
