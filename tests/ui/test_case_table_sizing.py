"""A 300-line caseload is shown without formatting every cell many times over (issue 17:
fitting the columns to 300 rows took 1.5 s on the GUI thread at unlock with 66,000 open
cases): each cell asked for is formatted alone, and columns are fitted to the rows on screen
and ``SIZE_FROM_ROWS`` more."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt

from ld_desktop.services.views import CaseRow
from ld_desktop.ui.models.case_table import COLUMNS, CaseRowsModel
from ld_desktop.ui.pages.case_lists import SIZE_FROM_ROWS, _table


def _rows(n: int) -> list[CaseRow]:
    now = datetime.now(UTC)
    return [CaseRow(
        id=uuid.uuid4(), person_id=uuid.uuid4(), person_name=f"SIZEWELL, Row{i}",
        date_of_birth=None, site_id=uuid.uuid4(), site_name="Northgate Custody Suite",
        stage="seen", urgency="routine", referral_time=now - timedelta(minutes=i),
        custody_record_number=f"SZ/{i}", contact_type="arrested", holder="prac1",
        flags=("mh",) if i % 3 == 0 else (), risk_level="high" if i % 7 == 0 else None)
        for i in range(n)]


class CountingModel(CaseRowsModel):
    def __init__(self) -> None:
        super().__init__()
        self.display_calls = 0

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            self.display_calls += 1
        return super().data(index, role)


def test_fitting_columns_to_a_300_line_caseload_reads_only_some_rows(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = CountingModel()
    view = _table(model, "Caseload")
    qtbot.addWidget(view)
    view.resize(1000, 400)
    view.show()
    model.set_rows(_rows(300))
    model.display_calls = 0
    view.resizeColumnsToContents()
    visible = 400 // max(1, view.rowHeight(0)) + 1
    assert 0 < model.display_calls <= len(COLUMNS) * (visible + SIZE_FROM_ROWS + 2), (
        model.display_calls)


def test_each_cell_shows_what_it_did() -> None:
    model = CaseRowsModel()
    row = _rows(1)[0]
    model.set_rows([row])
    shown = [model.data(model.index(0, c)) for c in range(len(COLUMNS))]
    assert shown[0] == "SIZEWELL, Row0"
    assert shown[1] == "SZ/0"
    assert shown[2] == f"{row.referral_time.astimezone():%d/%m/%Y %H:%M}"
    assert shown[3:5] == ["Northgate Custody Suite", "Seen"]
    assert shown[6] == "Routine"
    assert shown[7].startswith("HIGH RISK, ")
    assert shown[8] == "prac1"
    assert model.data(model.index(0, len(COLUMNS))) is None
