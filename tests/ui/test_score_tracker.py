"""The score tracker (issue 15 item 3): a pure model, a QPainter chart that also prints to
PDF, and the numbers in an accessible table beside it, on the real person page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from ld_desktop.domain.instruments import evaluate
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.score_history import ScorePoint
from ld_desktop.services.instrument_library import InstrumentLibrary
from ld_desktop.ui.clinical.score_tracker import (
    ScoreTrackerPanel,
    paint_tracker,
    write_trackers_pdf,
)
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.models.score_tracker_model import (
    Geometry,
    build_trackers,
    point_positions,
    table_rows,
)
from ld_desktop.ui.pages.record_views import PersonPage
from tests.helpers.clinical import new_case

LIB = InstrumentLibrary.load()
DEFS = {d.id: d for d in LIB.all()}
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def point(value: float, days: int, *, instrument: str = "phq9", label: str = "PHQ-9 total",
          band: str | None = None, partial: bool = False) -> ScorePoint:
    return ScorePoint(instrument, label, START + timedelta(days=days), value, band, partial,
                      False, True, uuid.uuid4(), uuid.uuid4())


def test_model_groups_orders_and_says_the_trend_in_words() -> None:
    points = [point(21, 60, band="severe depression"), point(6, 0), point(12, 30),
              point(3, 10, instrument="gad7", label="GAD-7 total")]
    phq, gad = build_trackers(points, DEFS)
    assert [p.value for p in phq.points] == [6, 12, 21]
    assert (phq.minimum, phq.maximum, phq.cut_offs) == (0, 27, (5, 10, 15, 20))
    assert phq.trend() == "PHQ-9 total rising: 6, 12, 21 (latest severe depression)"
    assert gad.trend() == "GAD-7 total one score: 3"
    falling = build_trackers([point(20, 0), point(4, 9, partial=True)], DEFS)[0]
    assert falling.trend() == "PHQ-9 total falling: 20, 4+"
    assert table_rows(falling)[1][3] == "partial form: at least"


def test_geometry_puts_higher_scores_higher() -> None:
    tracker = build_trackers([point(0, 0), point(27, 1), point(13.5, 2)], DEFS)[0]
    (x0, y0), (x1, y1), (x2, y2) = point_positions(tracker, Geometry(10, 20, 200, 100))
    assert (x0, x1, x2) == (10, 110, 210)
    assert (y0, y1, y2) == (120, 20, 70)


def test_the_chart_paints_points_where_the_model_says(qtbot) -> None:  # type: ignore[no-untyped-def]
    tracker = build_trackers([point(2, 0), point(25, 1)], DEFS)[0]
    image = QImage(400, 200, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_tracker(painter, QRectF(0, 0, 400, 200), tracker)
    painter.end()
    blue = [(x, y) for x in range(0, 400, 2) for y in range(0, 200, 2)
            if image.pixelColor(x, y).blue() > 150 and image.pixelColor(x, y).red() < 60]
    assert blue, "no line or points drawn"
    assert min(y for _, y in blue) < 40
    assert max(y for _, y in blue) > 160


def test_trackers_print_to_pdf_with_their_numbers(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    trackers = build_trackers([point(6, 0), point(12, 30), point(21, 60)], DEFS)
    path = write_trackers_pdf(trackers, tmp_path / "tracker.pdf", "Scores (fictional)")
    text = " ".join(PdfReader(str(path)).pages[0].extract_text().split())
    assert "PHQ-9 total rising: 6, 12, 21" in text
    assert "0 5 10 15 20 27" in text                       # the chart's own axis labels
    assert "05/01/2026 6 04/02/2026 12 06/03/2026 21" in text


def test_panel_table_is_accessible_and_matches_the_chart(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ScoreTrackerPanel(build_trackers([point(6, 0), point(21, 60)], DEFS))
    qtbot.addWidget(panel)
    (table,) = panel.tables
    assert table.accessibleName() == "PHQ-9 total scores over time"
    assert table.accessibleDescription() == "PHQ-9 total rising: 6, 21"
    assert [table.item(r, 1).text() for r in range(table.rowCount())] == ["6", "21"]
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "Date", "Score", "Band", "Note"]


def test_person_page_shows_a_returning_persons_rising_phq9(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    session = window.session
    assert session is not None
    case_id = new_case(session, age=33, family="ZZTRACK")
    person_id = session.cases.open(case_id).person.id
    phq9 = session.screenings.library().get("phq9")
    for level, custody in ((1, None), (2, "TRACK/2"), (3, "TRACK/3")):
        if custody:
            case_id = session.cases.new_referral(ReferralDraft(
                person_id, session.sites[0].id, "custody-sergeant", "arrested",
                custody_record_number=custody)).id
        answers = {**{f"phq9.{n}": level for n in range(1, 10)}, "phq9.10": 1}
        draft = session.screenings.start(case_id, "phq9", "1.0")
        done = session.screenings.complete(draft.id, answers,
                                           evaluate(phq9, answers).to_json())
        session.screenings.sign_off(done.id)
    window.open_person(person_id)
    page = window.pages.currentWidget()
    assert isinstance(page, PersonPage)
    qtbot.waitUntil(lambda: page.findChild(ScoreTrackerPanel) is not None, timeout=5_000)
    assert len(page.findChildren(ScoreTrackerPanel)) == 1    # read in the background, once
    panel = page.findChild(ScoreTrackerPanel)
    (table,) = panel.tables
    assert [table.item(r, 1).text() for r in range(3)] == ["9", "18", "27"]
    assert table.accessibleDescription() == (
        "PHQ-9 total rising: 9, 18, 27 (latest severe depression)")
    page.resize(1000, 900)
    shot = tmp_path / "score-tracker.png"     # docs/screenshots/score-tracker.png is this
    panel.grab().save(str(shot))
    assert shot.stat().st_size > 1000
