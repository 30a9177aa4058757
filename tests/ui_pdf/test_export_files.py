"""Exported reports (issue 13 item 7): written owner-only (0600), no partial copy left when
saving fails, and the save dialog starts in the user's own export folder."""

from __future__ import annotations

import os
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from ld_desktop.services.sharing import ShareReport
from ld_desktop.ui.clinical.share_dialog import choose_pdf_path
from ld_desktop.ui.pdf.share_report import write_share_report

REPORT = ShareReport(
    case_id=uuid.uuid4(), recipient="police", recipient_label="Custody sergeant / police",
    person_name="Alex Testington", date_of_birth="04/03/1985",
    custody_record_number="DEMO/01/000001", site_name="Northgate Custody Suite",
    prepared_by="Demo Practitioner", prepared_at=datetime(2026, 11, 24, 21, 30, tzinfo=UTC),
    consent_statement="Consent given.", sections={"recommendations": ["Fictional advice"]})


@pytest.fixture(autouse=True)
def _open_umask() -> object:
    old = os.umask(0o022)   # a typical umask: files would come out 0644
    yield
    os.umask(old)


@pytest.mark.usefixtures("qapp")
def test_report_is_written_owner_only(tmp_path: Path) -> None:
    path = write_share_report(REPORT, tmp_path / "LD-share.pdf")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (tmp_path / "LD-again.pdf").write_bytes(b"old")   # replacing a 0644 file: still 0600
    (tmp_path / "LD-again.pdf").chmod(0o644)
    again = write_share_report(REPORT, tmp_path / "LD-again.pdf")
    assert stat.S_IMODE(again.stat().st_mode) == 0o600


@pytest.mark.usefixtures("qapp")
def test_a_failed_save_leaves_no_partial_report(tmp_path: Path) -> None:
    target = tmp_path / "LD-share.pdf"
    target.mkdir()                                      # the rename onto it must fail
    with pytest.raises(IsADirectoryError):
        write_share_report(REPORT, target)
    assert [p.name for p in tmp_path.iterdir()] == ["LD-share.pdf"]   # no .LD-….part


@pytest.mark.usefixtures("qapp")
def test_save_dialog_starts_in_the_users_export_folder(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_EXPORTS", str(tmp_path / "exports"))
    monkeypatch.chdir(tmp_path)

    class Page(QWidget):   # any page of a signed-in user carries their session
        class session:
            class user:
                username = "demo.senior"

    page = Page()
    seen: list[str] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        seen.append(dialog.directory().absolutePath())
        dialog.reject()

    QTimer.singleShot(300, look)
    assert choose_pdf_path(page, "LD-information.pdf") is None
    folder = tmp_path / "exports" / "demo.senior"
    assert seen == [str(folder)]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
