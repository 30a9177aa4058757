"""The desktop app under pytest-qt (offscreen): first run, unlock, auto-lock, roles, new
referral, search, and the table models checked with qtmodeltester."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ld_desktop.services.cases import CaseFilter
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.models.case_table import LazyCasesModel
from ld_desktop.ui.models.people_table import LazyPeopleModel, PeopleModel
from ld_desktop.ui.models.read_only_table import LazyPages
from ld_desktop.ui.new_referral import NewReferralDialog


def _fetch_more(qtbot, model: LazyPages) -> None:  # type: ignore[no-untyped-def]
    """What the view does as it scrolls: ask for more, which arrives in the background."""
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.fetching(), timeout=5_000)


def _unlock(qtbot, window: MainWindow, username: str, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    window.unlock_page.username.setCurrentText(username)
    window.unlock_page.passphrase.setText(passphrase)
    qtbot.mouseClick(window.unlock_page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session is not None or bool(window.unlock_page.error.text()),
                    timeout=15_000)


@pytest.fixture
def window(qtbot, demo_dir: Path):  # type: ignore[no-untyped-def]
    win = MainWindow(Workstation(demo_dir), banner="DEMO")
    qtbot.addWidget(win)
    yield win
    win.lock("test finished")


def test_unlock_failure_then_success(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "demo.senior", "not the right passphrase")
    assert window.session is None
    assert "not recognised" in window.unlock_page.error.text()
    window.unlock_page.error.setText("")
    _unlock(qtbot, window, "demo.senior", accounts["demo.senior"])
    assert window.session is not None
    assert window.root.currentWidget() is window.shell
    assert "Senior practitioner" in window.status_user.text()


def test_backoff_message_after_repeated_failures(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        window.unlock_page.error.setText("")
        _unlock(qtbot, window, "someone.else", "wrong wrong wrong")
    window.unlock_page.error.setText("")
    _unlock(qtbot, window, "someone.else", "wrong wrong wrong")
    assert "Try again in" in window.unlock_page.error.text()


def test_auto_lock_hides_everything_and_unlocks_back(qtbot, window: MainWindow, accounts  # type: ignore[no-untyped-def]
                                                     ) -> None:
    _unlock(qtbot, window, "demo.senior", accounts["demo.senior"])
    session = window.session
    assert session is not None
    window.idle.set_minutes(0.002)           # ~120 ms
    window.idle.start()
    qtbot.waitUntil(lambda: window.session is None, timeout=5_000)
    assert session.is_locked                  # the key and engine are gone
    assert window.shell is None
    assert window.root.currentWidget() is window.unlock_page
    assert window.unlock_page.username.currentText() == "demo.senior"
    _unlock(qtbot, window, "demo.senior", accounts["demo.senior"])
    assert window.session is not None


def test_ctrl_l_locks(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "demo.practitioner", accounts["demo.practitioner"])
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3_000)
    qtbot.keyClick(window.nav, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.session is None, timeout=5_000)


def test_roles_see_only_what_they_may_do(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "demo.admin", accounts["demo.admin"])
    assert "Caseload" not in window.place_names
    assert "Admin" in window.place_names
    window.lock("switch user")
    _unlock(qtbot, window, "demo.practitioner", accounts["demo.practitioner"])
    assert "Caseload" in window.place_names
    assert "Admin" not in window.place_names


def test_new_referral_end_to_end(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "demo.practitioner", accounts["demo.practitioner"])
    session = window.session
    assert session is not None
    before = session.cases.count(CaseFilter())
    dialog = NewReferralDialog(session)
    qtbot.addWidget(dialog)
    dialog.given.setText("Newly")
    dialog.family.setText("Referredson")
    dialog.dob.setText("03/04/1990")
    dialog.nhs.setText("943 476 5918")
    dialog.crn.setText("UI/0001")
    dialog.submit()
    qtbot.waitUntil(lambda: "check digit" in dialog.warning.text(), timeout=5_000)
    dialog.nhs.setText("943 476 5919")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.created is not None, timeout=5_000)
    assert dialog.created is not None, dialog.warning.text()
    assert dialog.created.stage == "referred"
    assert session.cases.count(CaseFilter()) == before + 1
    found = session.persons.search("referredson")
    assert [p.nhs_number for p in found] == ["9434765919"]


def test_cases_search_as_you_type(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "demo.senior", accounts["demo.senior"])
    page = window.page("Cases")
    qtbot.waitUntil(lambda: page.model.total > 0, timeout=5000)   # loaded off the GUI thread
    total = page.model.total
    _fetch_more(qtbot, page.model)
    assert 0 < page.model.rowCount() <= total
    family = page.model.case_at(0).person_name.split(",")[0]
    old_model = page.model
    page.search.setText(family.lower())         # debounced: refreshes after 150 ms
    qtbot.waitUntil(lambda: page.model is not old_model, timeout=3000)
    _fetch_more(qtbot, page.model)
    assert 0 < page.model.total < total
    assert all(r.person_name.startswith(family) for r in page.model.rows)


def test_cases_list_filters_by_site_and_stage(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "demo.senior", accounts["demo.senior"])
    page = window.page("Cases")
    qtbot.waitUntil(lambda: page.model.total > 0, timeout=5000)
    everything = page.model.total
    page.stage.setCurrentIndex(page.stage.findData("closed"))
    qtbot.waitUntil(lambda: page.model.total != everything, timeout=5000)
    _fetch_more(qtbot, page.model)
    assert page.model.rows
    assert all(r.stage == "closed" for r in page.model.rows)
    closed = page.model.total
    page.site.setCurrentIndex(1)
    site_name = page.site.currentText()
    qtbot.waitUntil(lambda: page.model.total != closed or all(
        r.site_name == site_name for r in page.model.rows), timeout=5000)
    _fetch_more(qtbot, page.model)
    assert all(r.site_name == site_name and r.stage == "closed" for r in page.model.rows)


def test_people_list_is_lazy_sortable_and_searchable(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                     accounts) -> None:
    _unlock(qtbot, window, "demo.senior", accounts["demo.senior"])
    page = window.page("People")
    qtbot.waitUntil(lambda: isinstance(page.model, LazyPeopleModel), timeout=5000)
    model = page.model
    assert isinstance(model, LazyPeopleModel)
    assert 0 < model.rowCount() <= model.total
    names = [p.family_name for p in model.people]
    assert names == sorted(names)
    page._sort_by(1)                             # date of birth, oldest first
    qtbot.waitUntil(lambda: page.model is not model, timeout=5000)
    births = [p.date_of_birth for p in page.model.people if p.date_of_birth]
    assert births == sorted(births)
    page._sort_by(1)                             # again: newest first
    qtbot.waitUntil(lambda: page.model.people[0].date_of_birth == max(births), timeout=5000)
    family = names[0]
    listed = page.model
    page.search.setText(family.lower())
    qtbot.waitUntil(lambda: page.model is not listed and not isinstance(page.model,
                                                                         LazyPeopleModel),
                    timeout=5000)
    assert page.model.people
    assert all(p.family_name == family or family.lower() in p.display_name.lower()
               for p in page.model.people)
    assert "found" in page.count.text()


def test_models_pass_qtmodeltester(qtmodeltester, qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    _unlock(qtbot, window, "demo.senior", accounts["demo.senior"])
    session = window.session
    assert session is not None
    filt = CaseFilter()
    lazy = LazyCasesModel(lambda o, n: session.cases.page(filt, o, n), session.cases.count(filt))
    qtmodeltester.check(lazy)   # its fetchMore starts a background fetch of the first page
    qtbot.waitUntil(lambda: not lazy.fetching() and lazy.rowCount() > 0, timeout=5_000)
    qtmodeltester.check(lazy)   # and with the rows that arrived (inserted under the tester)
    people = PeopleModel()
    people.set_people(session.persons.page(0, 20))
    qtmodeltester.check(people)
    lazy_people = LazyPeopleModel(lambda o, n: session.persons.page(o, n),
                                  session.persons.count())
    qtmodeltester.check(lazy_people)
    qtbot.waitUntil(lambda: not lazy_people.fetching() and lazy_people.rowCount() > 0,
                    timeout=5_000)
    qtmodeltester.check(lazy_people)


def test_screenshot_mode_writes_a_png(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "ld_desktop.ui.app", "--demo", "--screenshot", str(out),
         "--page", "case"], capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.read_bytes().startswith(b"\x89PNG")


def test_admin_sets_auto_lock_and_adds_a_user(qtbot, window: MainWindow, accounts) -> None:  # type: ignore[no-untyped-def]
    from ld_desktop.ui.pages.admin_page import AdminPage

    _unlock(qtbot, window, "demo.admin", accounts["demo.admin"])
    page = window.page("Admin")
    assert isinstance(page, AdminPage)
    qtbot.waitUntil(page.save_button.isEnabled, timeout=5_000)   # the settings are loaded
    page.auto_lock.setValue(2)
    page.save()
    assert not page.save_button.isEnabled(), "the button stays off while it saves"
    qtbot.waitUntil(lambda: "saved" in page.message.text(), timeout=5_000)
    assert page.save_button.isEnabled()
    page.new_username.setText("x")
    page.new_passphrase.setText("a long enough passphrase")
    page.add_user()
    assert not page.add_button.isEnabled()
    qtbot.waitUntil(lambda: "3 to 32" in page.message.text(), timeout=5_000)
    assert page.add_button.isEnabled()
    assert page.new_username.text() == "x"            # the refusal keeps what was typed
    assert page.new_passphrase.text() == ""          # never left on screen
    page.new_username.setText("ui.added")
    page.new_passphrase.setText("a long enough passphrase")
    page.add_user()
    qtbot.waitUntil(lambda: any("ui.added" in page.users.item(i).text()
                                for i in range(page.users.count())), timeout=15_000)
    window.lock("switch user")
    _unlock(qtbot, window, "ui.added", "a long enough passphrase")
    assert window.session is not None
    assert window.idle.timer.interval() == 2 * 60_000   # the new auto-lock applies


def test_flag_badges_most_serious_first_with_words_kept(qapp) -> None:  # type: ignore[no-untyped-def]
    from ld_desktop.ui.flag_icons import ICON_SIZE, badge_codes, badges_icon

    codes = badge_codes(("alcohol", "suicide-self-harm", "drugs", "young-person"), True)
    assert codes == ("high-risk", "suicide-self-harm", "young-person", "alcohol")  # D once
    image = badges_icon(codes).pixmap(*ICON_SIZE).toImage()
    assert image.pixelColor(2, 8).name() == "#d5281b"          # the first badge is red
    assert badge_codes((), False) == ()
    blank = badges_icon(()).pixmap(*ICON_SIZE).toImage()      # same width, nothing drawn
    assert blank.width() == ICON_SIZE[0]
    assert blank.pixelColor(2, 8).alpha() == 0


def test_display_settings_apply_at_once_and_are_kept(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QApplication

    from ld_desktop.ui.display_settings import load_prefs
    from ld_desktop.ui.theme import apply_theme

    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    ws = Workstation(tmp_path / "ws")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    try:
        before = app.font().pointSizeF()
        win.display.contrast.trigger()
        assert "#ffff00" in app.styleSheet()                   # the high-contrast sheet
        larger = next(a for a in win.menuBar().actions()[0].menu().actions()
                      if a.text() == "&Larger text")
        larger.trigger()
        assert app.font().pointSizeF() > before
        assert "font-size: 16.0pt" not in app.styleSheet()      # headings scale too
        kept = load_prefs(tmp_path / "ws")
        assert kept.high_contrast
        assert kept.font_scale > 1.0
        again = MainWindow(Workstation(tmp_path / "ws"))
        qtbot.addWidget(again)
        assert again.display.contrast.isChecked()
    finally:
        apply_theme(app)
