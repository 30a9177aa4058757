"""The returning-person widget by keyboard, and the Cases list telling same-name people
apart by custody number and referral date."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.ui.models.case_table import COLUMNS
from ld_desktop.ui.pages.case_lists import CasesPage
from ld_desktop.ui.person_history_panel import PersonHistoryPanel


def _three_quinns(senior: UserSession) -> list[object]:
    site = senior.sites[0].id
    cases = []
    for n in range(3):
        person = senior.persons.register(PersonDraft("Testperson", "Quinn", date(1990, 1, 1)),
                                         site)
        cases.append(senior.cases.new_referral(ReferralDraft(
            person.id, site, "custody-sergeant", "arrested", custody_record_number=f"Q/{n}",
            referral_time=senior.now() - timedelta(days=n))))
    return cases


def test_the_panel_is_reached_by_tab_opens_a_contact_with_enter_and_lets_tab_out(
        qtbot, one_site_senior: UserSession) -> None:  # type: ignore[no-untyped-def]
    senior = one_site_senior
    site = senior.sites[0].id
    person = senior.persons.register(
        PersonDraft("Returny", "Testperson", date(1979, 4, 5),
                    communication_needs="Uses BSL"), site)
    for n in range(2):
        senior.cases.new_referral(ReferralDraft(
            person.id, site, "custody-sergeant", "arrested", custody_record_number=f"R/{n}",
            referral_time=senior.now() - timedelta(days=10 * n)))
    host = QWidget()
    before, after = QLineEdit(), QLineEdit()
    panel = PersonHistoryPanel(senior)
    layout = QVBoxLayout(host)
    for widget in (before, panel, after):
        layout.addWidget(widget)
    qtbot.addWidget(host)
    host.show()
    panel.show_person(person.id)                               # loaded in the background
    qtbot.waitUntil(lambda: panel.history is not None, timeout=5_000)
    history = panel.history
    assert history is not None
    assert panel.alerts.item(0).text() == "COMMUNICATION: Uses BSL"
    opened: list[object] = []
    panel.open_case.connect(opened.append)
    before.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is before)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.alerts
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.contacts
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert opened == [history.contacts[1].case_id]            # the older contact
    assert history.contacts[1].custody_record_number == "R/1"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after                 # Tab is not trapped


def test_cases_list_shows_custody_number_and_referral_date(
        qtbot, one_site_senior: UserSession) -> None:  # type: ignore[no-untyped-def]
    cases = _three_quinns(one_site_senior)
    page = CasesPage(one_site_senior)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    crn, referred = COLUMNS.index("Custody no."), COLUMNS.index("Referred")
    rows = {(page.model.index(r, 0).data(), page.model.index(r, crn).data(),
             page.model.index(r, referred).data()) for r in range(3)}
    assert len(rows) == 3                                      # no two rows look the same
    assert {r[1] for r in rows} == {"Q/0", "Q/1", "Q/2"}
    assert {r[2] for r in rows} == {f"{c.referral_time.astimezone():%d/%m/%Y %H:%M}"
                                    for c in cases}            # type: ignore[attr-defined]
