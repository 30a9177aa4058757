"""What the dialogs nobody had looked at showed when rendered (``grab()`` under offscreen):
the share dialog squeezed below the size it asks for, its Include boxes without Alt keys, a
disabled Save with white text on light grey, and a re-key progress bar 190 pixels wide
with no words."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from ld_desktop.services import demo_scenarios
from ld_desktop.ui import theme
from ld_desktop.ui.clinical.share_dialog import ShareDialog
from ld_desktop.ui.main_window import MainWindow
from ld_desktop.ui.pages.key_rotation import RekeyDialog
from tests.helpers.case_page import open_case
from tests.helpers.drafts import drafts_back


def test_share_dialog_has_its_room_and_alt_keys_for_what_is_included(  # type: ignore[no-untyped-def]
        qtbot, senior_window: MainWindow) -> None:
    session = senior_window.session
    assert session is not None
    page = open_case(qtbot, senior_window, demo_scenarios.share_scene(session))
    page.share()
    dialog = page.dialog
    assert isinstance(dialog, ShareDialog)
    drafts_back(qtbot)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.recipient, timeout=3_000)
    assert dialog.width() >= 720
    assert dialog.preview.height() >= 320
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not dialog.sections["screening"].isChecked(), timeout=1_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not dialog.sections["vulnerabilities"].isChecked(), timeout=1_000)
    assert dialog.sections["screening"].accessibleName() == "Include screening results"
    dialog.close_for_lock()


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_a_disabled_button_is_still_readable() -> None:
    """WCAG AA for text: 4.5:1 (white on #aeb7bd was 2.1:1)."""
    rule = re.search(r"QPushButton:disabled \{([^}]*)\}", theme.STANDARD)
    assert rule is not None
    background = re.search(r"background: (#[0-9a-f]{6})", rule.group(1))
    colour = re.search(r"(?<!-)color: (#[0-9a-f]{6})", rule.group(1))
    assert background is not None, rule.group(1)
    assert colour is not None, rule.group(1)   # none: white text, 2.1:1
    light, dark = sorted((_luminance(background.group(1)), _luminance(colour.group(1))),
                         reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_rekey_progress_says_what_and_that_it_cannot_stop(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = RekeyDialog(parent, "Rotating the keys")
    dialog._show_progress(42, "Re-encrypting the database")
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() >= 460
    assert dialog.labelText().startswith("Rotating the keys: Re-encrypting the database.")
    assert "cannot be stopped half-way" in dialog.labelText()
    dialog.close()


def test_merge_dialogs_chosen_line_sits_below_the_results(  # type: ignore[no-untyped-def]
        qtbot, one_site_senior) -> None:
    """Rendered, the "Chosen:" line was drawn over the results' bottom edge: the dialog keeps
    the height its layout asks for, which a wrapping line misses. Chosen by keys (Down,
    Enter on the result), the line is below the list, with the room its text needs."""
    from tests.helpers.person_page import choose_by_keys, merge_dialog

    _page, dialog, _keep, _dupe = merge_dialog(qtbot, one_site_senior, "LK/0001/26")
    choose_by_keys(qtbot, "Mergeme")
    picker = dialog.picker
    qtbot.waitUntil(lambda: picker.chosen is not None, timeout=5_000)
    qtbot.waitUntil(lambda: picker.choice.text().startswith("Chosen:"), timeout=1_000)
    qtbot.wait(50)                                   # laid out again and painted
    dialog.grab()
    results, choice = picker.results.geometry(), picker.choice.geometry()
    assert choice.top() > results.bottom()
    assert choice.height() >= picker.choice.heightForWidth(choice.width())
    assert picker.results.horizontalScrollBar().isHidden() or \
        picker.results.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    dialog.close_for_lock()


def test_combo_and_date_buttons_are_drawn_flat_with_arrows(qapp) -> None:  # type: ignore[no-untyped-def]
    """Rendered (``make screenshots``), every combo box had a grey bevel with a black edge
    for its button and a date's up and down buttons were bare bevels without arrows: the
    theme gave the boxes a border but not their buttons. Now the button is the box's white
    with a thin line before it, and the arrows are the theme's own (which exist). The
    handover's shift times (date-times with a calendar) had the bevel still: now they too."""
    from pathlib import Path

    from PySide6.QtCore import QDate
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QComboBox, QDateEdit, QDateTimeEdit

    before, font = qapp.styleSheet(), qapp.font()
    try:
        for high_contrast in (False, True):
            theme.apply_theme(qapp, high_contrast=high_contrast)
            urls = re.findall(r'url\("([^"]*)"\)', qapp.styleSheet())
            assert len(urls) == 2    # (quoted: a folder's name may have a space)
            for url in urls:
                assert Path(url).is_file(), url
        theme.apply_theme(qapp)
        combo = QComboBox()
        combo.addItem("Male")
        shift = QDateTimeEdit(QDate(2026, 11, 30))    # the handover's shift times
        shift.setCalendarPopup(True)
        for box in (combo, QDateEdit(QDate(2026, 11, 30)), shift):
            box.resize(200, 30)
            image = box.grab().toImage()
            edge = [QColor(image.pixel(image.width() - 3, y)).lightnessF()
                    for y in range(2, image.height() - 2)]
            assert min(edge) == 1.0, (type(box).__name__, edge)   # white: no bevel
    finally:
        qapp.setStyleSheet(before)
        qapp.setFont(font)


def test_the_unlock_pages_account_hints_are_not_cut_off(qtbot, qapp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """docs/screenshots/training-unlock.png showed "(Practitione": the hint was cut at the
    form's width. In the app's font, each account line now has the room it needs."""

    before, font = qapp.styleSheet(), qapp.font()
    theme.apply_theme(qapp)
    try:
        _hints_shown_whole(qtbot, tmp_path)
    finally:
        qapp.setStyleSheet(before)
        qapp.setFont(font)


def _hints_shown_whole(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    from ld_desktop.services import training
    from ld_desktop.services.workstation import Workstation
    from ld_desktop.ui.unlock_page import UnlockPage

    hint_text = training.accounts_hint()
    page = UnlockPage(Workstation(tmp_path / "ws"), demo_hint=hint_text)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    qtbot.waitExposed(page)
    hint = next(label for label in page.findChildren(QLabel) if label.text() == hint_text)
    widest = max(hint.fontMetrics().horizontalAdvance(line) for line in hint_text.splitlines())
    shown = hint.visibleRegion().boundingRect()       # not clipped by the form's width
    assert shown.width() >= widest, (shown.width(), widest)


def _disabled_colours(sheet: str) -> tuple[str, str]:
    rule = re.search(r"QAbstractSpinBox:disabled \{([^}]*)\}", sheet)
    assert rule is not None, "no rule for disabled fields"
    background = re.search(r"background: (#[0-9a-f]{6})", rule.group(1))
    colour = re.search(r"(?<!-)color: (#[0-9a-f]{6})", rule.group(1))
    assert background is not None
    assert colour is not None
    return background.group(1), colour.group(1)


def test_a_disabled_field_looks_different_and_is_still_readable(qapp) -> None:  # type: ignore[no-untyped-def]
    """Rendered, a disabled line edit, date or combo box looked exactly like one you could
    type in: the theme set every widget's text colour and every field's white, for the
    disabled state too. Now each kind of field, disabled, has another background from the
    enabled one in both themes, and its muted text keeps 4.5:1 (WCAG AA) on it. Read-only
    fields keep the enabled look (previews to read, and forms while their draft loads)."""
    from PySide6.QtCore import QDate
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import (
        QComboBox,
        QDateEdit,
        QDateTimeEdit,
        QLineEdit,
        QPlainTextEdit,
        QSpinBox,
        QTextEdit,
    )

    def kinds() -> list[QWidget]:
        combo = QComboBox()
        combo.addItem("Male")
        return [QLineEdit("Jay"), QPlainTextEdit("Notes"), QTextEdit("Notes"),
                QDateEdit(QDate(2026, 11, 30)), QDateTimeEdit(QDate(2026, 11, 30)),
                combo, QSpinBox()]

    def background(widget: QWidget) -> QColor:
        widget.resize(200, 60)
        image = widget.grab().toImage()        # right of the text, left of any button
        return QColor(image.pixel(image.width() // 2 + 40, image.height() // 2))

    before, font = qapp.styleSheet(), qapp.font()
    try:
        for high_contrast in (False, True):
            theme.apply_theme(qapp, high_contrast=high_contrast)
            for enabled, disabled in zip(kinds(), kinds(), strict=True):
                disabled.setEnabled(False)
                read_only = type(enabled)()
                if isinstance(read_only, QLineEdit | QPlainTextEdit | QTextEdit):
                    read_only.setReadOnly(True)
                    assert background(read_only) == background(enabled)
                assert background(disabled) != background(enabled), \
                    (high_contrast, type(enabled).__name__)
            back, text = _disabled_colours(qapp.styleSheet())
            light, dark = sorted((_luminance(back), _luminance(text)), reverse=True)
            assert (light + 0.05) / (dark + 0.05) >= 4.5, (high_contrast, back, text)
    finally:
        qapp.setStyleSheet(before)
        qapp.setFont(font)


def test_the_navigations_focus_is_a_bar_not_a_box(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    """On a person's or case's page the navigation's current place ("Caseload") is not
    selected, and with the focus on the list it was drawn as a pale box with an edge: like
    a text field. Now it is a bar at its left edge in the theme's blue (yellow on black in
    high contrast), and the rest of the row is the list's own background."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QListWidget

    before, font = qapp.styleSheet(), qapp.font()
    try:
        for high_contrast, bar in ((False, theme.NHS_BLUE), (True, "#ffff00")):
            theme.apply_theme(qapp, high_contrast=high_contrast)
            nav = QListWidget()
            nav.setObjectName("nav")
            qtbot.addWidget(nav)
            nav.addItems(["Caseload", "Cases"])
            nav.resize(190, 200)
            nav.show()
            qtbot.waitExposed(nav)
            nav.setCurrentRow(0)
            nav.clearSelection()                        # as on a person's page
            nav.setFocus()
            qtbot.waitUntil(nav.hasFocus, timeout=1_000)
            item = nav.visualItemRect(nav.item(0))
            image = nav.viewport().grab().toImage()
            middle = item.center().y()
            assert QColor(image.pixel(item.left() + 1, middle)).name() == bar
            list_background = QColor(image.pixel(item.right() - 2,
                                                 nav.visualItemRect(nav.item(1)).center().y()))
            row = {QColor(image.pixel(x, y)).name()
                   for x in range(item.left() + 8, item.right() - 1)
                   for y in (item.top() + 1, item.bottom() - 1)}
            assert row == {list_background.name()}, (high_contrast, row)
            nav.close()
    finally:
        qapp.setStyleSheet(before)
        qapp.setFont(font)
