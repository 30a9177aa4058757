"""The caseload board is ordered, paged and counted in SQL (issue 17); it must give exactly
what the old in-Python board gave: every open case, most urgent first, then most missed
targets, then longest waiting; and counts over all open cases, not over the page shown."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ld_desktop.domain.pathway import Urgency
from ld_desktop.services.cases import CaseFilter, ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.views import CaseRow
from ld_desktop.store.clinical_queries import overdue_action_cases

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic


def _python_board(clinic: Clinic) -> list[CaseRow]:
    """The board as it was computed before: every open case in Python, sorted there."""
    session = clinic.session
    rows = session.cases.page(CaseFilter(open_only=True, sort="referral_time",
                                         descending=False), 0, 10_000)
    with session.store.reading() as db:
        overdue = overdue_action_cases(db, session.site_ids, session.now())
    rows = [replace(r, breaches=(*r.breaches, f"{overdue[r.id]} follow-up(s) overdue"))
            if r.id in overdue else r for r in rows]
    return sorted(rows, key=lambda r: (-Urgency(r.urgency).rank, -len(r.breaches),
                                       r.referral_time))


def test_board_in_sql_matches_the_board_in_python(clinic: Clinic) -> None:
    session = clinic.session
    rng = random.Random(17)
    site = session.sites[0].id
    now = session.now()
    for n in range(36):
        person = session.persons.register(
            PersonDraft("Boardy", f"Orderton{n}", date(1980, 1, 1 + n % 28)), site)
        # referrals from 5 minutes to 9 hours ago: either side of the 2 h and 6 h targets
        case = session.cases.new_referral(ReferralDraft(
            person.id, site, "custody-sergeant", "arrested",
            referral_time=now - timedelta(minutes=rng.choice([5, 90, 150, 300, 420, 540])),
            custody_record_number=f"BO/{n}", urgency=rng.choice(list(Urgency)).value))
        stage = rng.choice(["referred", "seen", "screened", "closed"])
        if stage != "referred":
            session.cases.update(case.id, {"stage": stage})
        if n % 5 == 0:
            session.referrals.add_action(case.id, "Phone GP",
                                         due_at=session.now() - timedelta(minutes=1))
        if n % 7 == 0:
            session.cases.update(case.id, {"risk_level": "high"})
    expected = _python_board(clinic)
    assert len(expected) > 20
    assert len({len(r.breaches) for r in expected}) >= 3    # a real mix of missed targets

    board = session.cases.caseload_page(limit=10_000)
    assert [r.id for r in board.rows] == [r.id for r in expected]
    assert [r.breaches for r in board.rows] == [r.breaches for r in expected]
    assert board.open_cases == len(expected)
    assert board.overdue == sum(1 for r in expected if r.breaches)
    assert board.high_risk == sum(1 for r in expected if r.risk_level == "high")

    # a page: the same order, and the counts still cover every open case
    page = session.cases.caseload_page(offset=5, limit=7)
    assert [r.id for r in page.rows] == [r.id for r in expected[5:12]]
    assert (page.open_cases, page.overdue, page.high_risk) == (
        board.open_cases, board.overdue, board.high_risk)
    assert [r.id for r in session.cases.caseload()] == [r.id for r in expected]


def test_board_is_counted_and_ordered_from_its_index(clinic: Clinic) -> None:
    """66,000 open cases (issue 17): the totals and the page's order come from the board
    index alone; no case row is read except the page's own lines."""
    from sqlalchemy import event

    session = clinic.session
    site = session.sites[0].id
    person = session.persons.register(PersonDraft("Indy", "Coverley", date(1990, 2, 2)), site)
    session.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant", "arrested",
                                             custody_record_number="IX/1"))
    sent: list[tuple[str, object]] = []
    engine = session.store.engine
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, params, *rest: sent.append((statement, params)))
    board = session.cases.caseload_page()
    assert board.open_cases >= 1
    plans = []
    with engine.connect() as conn:
        for statement, params in sent:
            if 'FROM "case"' in statement and statement.lstrip().startswith("SELECT"):
                plans.append(" | ".join(row[3] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, params)))   # type: ignore[arg-type]
    assert len(plans) == 2, plans                          # the totals, then the page
    for plan in plans:
        assert "COVERING INDEX ix_case_board" in plan, plan
    # the totals read nothing else of a case, nor its person or site
    assert plans[0].count("SEARCH case") == 1, plans[0]
    assert "person" not in plans[0], plans[0]
    # the page reads whole only the cases it shows, by id, after choosing them
    assert "USING INDEX sqlite_autoindex_case_1 (id=?)" in plans[1], plans[1]
