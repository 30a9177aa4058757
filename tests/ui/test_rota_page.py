"""The Rota page: a gap in core hours is highlighted, then filled from the form."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate

from ld_desktop.ui.pages.rota_page import GAP, RotaPage

MONDAY = date(2026, 11, 23)


def test_gap_highlighted_then_filled(qtbot, one_site_senior) -> None:  # type: ignore[no-untyped-def]
    senior = one_site_senior
    page = RotaPage(senior, first_day=MONDAY)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: "in core hours" in page.summary.text(), timeout=5_000)
    assert page.gap_count == 7                       # custody core hours, every day
    monday_gap = next(page.week.item(i) for i in range(page.week.count())
                  if "GAP" in page.week.item(i).text())
    assert "07:00-22:00" in monday_gap.text()
    assert monday_gap.background().color() == GAP
    for starts, ends, who in (("07:00", "15:00", "senior1"), ("15:00", "22:00", "prac9")):
        page.day.setDate(QDate(2026, 11, 23))
        page.starts.setText(starts)
        page.ends.setText(ends)
        page.who.setText(who)
        page.assign()
        assert not page.add_button.isEnabled(), "the button stays off while it saves"
        qtbot.waitUntil(lambda: page.message.text() == "Added.", timeout=5_000)
        qtbot.waitUntil(lambda: "in core hours" in page.summary.text(), timeout=5_000)
        assert page.add_button.isEnabled()
    assert page.gap_count == 6                       # Monday is covered now
    texts = [page.week.item(i).text() for i in range(page.week.count())]
    assert any("07:00-15:00 senior1" in t for t in texts)
    page.starts.setText("25:00")
    page.assign()
    qtbot.waitUntil(lambda: "not a time" in page.message.text(), timeout=5_000)
    assert page.add_button.isEnabled()
    assert (page.starts.text(), page.who.text()) == ("25:00", "prac9")   # nothing typed lost


def test_swap_people_on_two_shifts_and_move_between_weeks(qtbot, one_site_senior) -> None:  # type: ignore[no-untyped-def]
    senior = one_site_senior
    site = senior.site_ids[0]
    senior.rota.assign(site, MONDAY, "07:00", "15:00", "alex")
    senior.rota.assign(site, MONDAY, "15:00", "22:00", "sam")
    page = RotaPage(senior, first_day=MONDAY)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: "in core hours" in page.summary.text(), timeout=5_000)

    def row_of(text: str) -> int:
        return next(i for i in range(page.week.count()) if text in page.week.item(i).text())

    page.swap()
    assert "Choose a shift" in page.message.text()
    page.week.setCurrentRow(row_of("07:00-15:00 alex"))
    page.swap()
    assert "other shift" in page.message.text()
    page.week.setCurrentRow(row_of("15:00-22:00 sam"))
    page.swap()
    qtbot.waitUntil(lambda: page.message.text() == "Swapped.", timeout=5_000)

    def texts() -> list[str]:
        return [page.week.item(i).text() for i in range(page.week.count())]

    qtbot.waitUntil(lambda: any("07:00-15:00 sam" in t for t in texts()), timeout=5_000)
    assert any("15:00-22:00 alex" in t for t in texts())
    page.move_week(7)
    qtbot.waitUntil(lambda: "30 November 2026: " in page.summary.text()
                    and "in core hours" in page.summary.text(), timeout=5_000)
    assert not any("alex" in page.week.item(i).text() for i in range(page.week.count()))
