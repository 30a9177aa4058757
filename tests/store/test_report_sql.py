"""The reports' age at referral, as SQLite computes it from the stored text, against Python's
reckoning of completed years: birthdays on the day, the day before, and 29 February."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, Date, Integer, MetaData, Table, create_engine, insert, select

from ld_desktop.domain.age import age_on
from ld_desktop.store.models.base import UTCDateTime
from ld_desktop.store.report_sql import age_in_years, is_youth

CASES = [
    (date(2008, 10, 15), datetime(2026, 10, 14, 23, 59, tzinfo=UTC)),    # 17 until midnight
    (date(2008, 10, 15), datetime(2026, 10, 15, 0, 0, tzinfo=UTC)),      # 18 today
    (date(2016, 10, 15), datetime(2026, 10, 14, 12, 0, tzinfo=UTC)),     # 9, not yet 10
    (date(2016, 10, 15), datetime(2026, 10, 15, 12, 0, tzinfo=UTC)),     # 10 today
    (date(2008, 2, 29), datetime(2026, 2, 28, 12, 0, tzinfo=UTC)),       # leapling, 17
    (date(2008, 2, 29), datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),        # 18
    (date(2010, 3, 1), datetime(2028, 2, 29, 12, 0, tzinfo=UTC)),        # 17 on leap day
    (date(1980, 12, 31), datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
    (date(2000, 1, 1), datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
]


def test_age_and_youth_from_stored_text_match_completed_years() -> None:
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("n", Integer, primary_key=True),
                  Column("born", Date), Column("at", UTCDateTime))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"n": i, "born": b, "at": a}
                                     for i, (b, a) in enumerate(CASES)])
        rows = conn.execute(select(table.c.n, age_in_years(table.c.born, table.c.at),
                                   is_youth(table.c.born, table.c.at))
                            .order_by(table.c.n)).all()
    for (_n, age, youth), (born, at) in zip(rows, CASES, strict=True):
        expected = age_on(born, at.date())
        assert age == expected, (born, at)
        assert bool(youth) == (10 <= expected <= 17), (born, at)


def test_an_unknown_birth_date_is_not_youth() -> None:
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("born", Date), Column("at", UTCDateTime))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"born": None, "at": datetime(2026, 1, 1, tzinfo=UTC)}])
        assert not conn.execute(select(is_youth(table.c.born, table.c.at))).scalar()
