"""The share report and handover PDFs: real A4 PDFs whose text says what it should."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from ld_desktop.domain.rota import Shift
from ld_desktop.services.handover import HandoverItem, HandoverRecord, HandoverSummary
from ld_desktop.services.handover_content import report_sections
from ld_desktop.services.sharing import ShareReport
from ld_desktop.services.views import CaseRow
from ld_desktop.ui.pdf.handover_report import write_handover_report
from ld_desktop.ui.pdf.share_report import write_share_report

NOW = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)


def _text(path: Path) -> str:
    """The PDF's words, single-spaced, with typographic ligatures undone."""
    reader = PdfReader(str(path))
    raw = " ".join((page.extract_text() or "") for page in reader.pages)
    return " ".join(unicodedata.normalize("NFKC", raw).split())


@pytest.mark.usefixtures("qapp")
def test_share_report_pdf_contains_only_the_chosen_sections(tmp_path: Path) -> None:
    report = ShareReport(
        case_id=uuid.uuid4(), recipient="police", recipient_label="Custody sergeant / police",
        person_name="Alex Testington", date_of_birth="04/03/1985",
        custody_record_number="DEMO/01/000001", site_name="Northgate Custody Suite",
        prepared_by="Demo Practitioner", prepared_at=NOW,
        consent_statement="Consent to share with Custody sergeant / police given on 24/11/2026.",
        sections={"vulnerabilities": ["Mental health"],
                  "recommendations": ["Appropriate adult for interview"]},
    )
    path = write_share_report(report, tmp_path / "share.pdf")
    text = _text(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert "Alex Testington" in text
    assert "Appropriate adult for interview" in text
    assert "Screening results" not in text
    page = PdfReader(str(path)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 210   # A4 width in mm


@pytest.mark.usefixtures("qapp")
def test_handover_pdf_has_receipt_and_says_plainly_when_incomplete(tmp_path: Path) -> None:
    site = uuid.uuid4()
    waiting = CaseRow(uuid.uuid4(), uuid.uuid4(), "TESTINGTON, Alex", None, site,
                      "Northgate Custody Suite", "seen", "urgent",
                      NOW - timedelta(hours=3, minutes=5), "N/1", "arrested", None, (), None)
    summary = HandoverSummary(
        shift_start=datetime(2026, 11, 24, 14), shift_end=datetime(2026, 11, 24, 22),
        site_names=("Northgate Custody Suite",), in_custody=(waiting,),
        open_by_stage={"seen": (waiting,)},
        high_risks=(HandoverItem(None, "High risk: review 25 Nov"),), pending_escalations=(),
        referrals_awaiting=(), follow_ups_due=(), sharing_to_do=(), breaches_this_shift=(),
        staffing_now=(Shift(str(site), NOW.date(), "14:00", "22:00", "amy"),),
        staffing_next=(), pending_ops=3, open_conflicts=0,
        site_names_by_id={str(site): "Northgate Custody Suite"},
    )
    record = HandoverRecord(
        id=uuid.uuid4(), author="demo.senior", created_at=NOW,
        shift_start=summary.shift_start, shift_end=summary.shift_end,
        notes={"Northgate Custody Suite": "Interpreter at 09:00",
               "general": "Cell 4 needs an AA at 08:00"},
        sync_receipt={"server_seq": 1234, "pushed": 17, "pulled": 5,
                      "ops_still_local_at_handover": 3, "conflicts_undecided_at_handover": 0},
        incomplete_reason="Network down in custody", site_names=summary.site_names,
        sections=report_sections(summary, NOW),
    )
    text = _text(write_handover_report(record, tmp_path / "handover.pdf"))
    assert "1234" in text
    assert "Network down in custody" in text
    # the note for the whole team comes before the notes for each site
    assert text.index("Cell 4 needs an AA") < text.index("Interpreter at 09:00")
    assert "In custody or awaiting court (1)" in text
    assert ("Open: Seen (1) TESTINGTON, Alex (N/1), Northgate Custody Suite, waiting 3 h 05 min"
            in text)
    assert "amy 14:00-22:00, Northgate Custody Suite" in text
    assert "No one is on the rota for the next shift" in text
    shift_start = datetime(2026, 11, 24, 14).astimezone()        # shown in local time
    assert f"Shift Tue 24/11/2026 14:00 {shift_start.tzname()}" in text


@pytest.mark.usefixtures("qapp")
def test_every_page_says_page_n_of_m(tmp_path: Path) -> None:
    """A 12-page demo handover had no page numbers: each page now ends 'Page N of M'."""
    site = uuid.uuid4()
    rows = tuple(CaseRow(uuid.uuid4(), uuid.uuid4(), f"TESTINGTON, Number{i}", None, site,
                         "Northgate Custody Suite", "referred", "routine",
                         NOW - timedelta(hours=2), f"N/{i}", "arrested", None, (), None)
                 for i in range(150))
    summary = HandoverSummary(
        shift_start=datetime(2026, 11, 24, 14), shift_end=datetime(2026, 11, 24, 22),
        site_names=("Northgate Custody Suite",), in_custody=rows,
        open_by_stage={"referred": rows}, high_risks=(), pending_escalations=(),
        referrals_awaiting=(), follow_ups_due=(), sharing_to_do=(), breaches_this_shift=(),
        staffing_now=(), staffing_next=(), pending_ops=0, open_conflicts=0)
    record = HandoverRecord(
        id=uuid.uuid4(), author="demo.senior", created_at=NOW, shift_start=summary.shift_start,
        shift_end=summary.shift_end, notes={}, sync_receipt={"pushed": 0, "pulled": 0},
        incomplete_reason=None, site_names=summary.site_names,
        sections=report_sections(summary, NOW))
    reader = PdfReader(str(write_handover_report(record, tmp_path / "long.pdf")))
    total = len(reader.pages)
    assert total > 2
    for number, page in enumerate(reader.pages, start=1):
        words = " ".join(unicodedata.normalize("NFKC", page.extract_text() or "").split())
        assert words.endswith(f"Page {number} of {total}"), words[-60:]
    text = _text(tmp_path / "long.pdf")
    assert "TESTINGTON, Number0 (N/0)" in text
    assert "TESTINGTON, Number149 (N/149)" in text
    box = reader.pages[0].mediabox                     # still A4 (595 x 842 points)
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
