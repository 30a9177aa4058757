"""The registry of places: every page of the navigation, declared once, in nav order, with
who may see it, its keyboard shortcut and its ``--screenshot --page`` name. The main window,
the screenshot stage and the tests read this list; nothing else names a page. Adding a page
is one module (a :class:`~ld_desktop.ui.page.PageWidget`) and one line here.

Imported only once someone unlocks (or ahead of time by the main window's background
``preload``), so the unlock window appears without loading every page and the database layer
behind them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ld_desktop.domain.roles import Permission
from ld_desktop.services import demo_scenarios
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.handover.handover_page import HandoverPage
from ld_desktop.ui.handover.sync_runner import SyncFactory
from ld_desktop.ui.page import PageWidget
from ld_desktop.ui.pages.admin_page import AdminPage
from ld_desktop.ui.pages.case_lists import CaseloadPage, CasesPage
from ld_desktop.ui.pages.conflicts_page import ConflictsPage
from ld_desktop.ui.pages.people import PeoplePage
from ld_desktop.ui.pages.record_views import PersonPage
from ld_desktop.ui.pages.rota_page import RotaPage
from ld_desktop.ui.pages.screening_page import ScreeningPage
from ld_desktop.ui.pages.sync_page import SyncPage
from ld_desktop.ui.reports.reports_page import ReportsPage


@dataclass(frozen=True)
class PageContext:
    """What a page is built with: the session, and the sync service the window was given
    (a test's transport, or the real one)."""

    session: UserSession
    sync_service: SyncFactory = SyncService


@dataclass(frozen=True)
class Place:
    name: str                                       # in the navigation
    factory: Callable[[PageContext], PageWidget]
    permission: Permission | None                   # None: every role sees it
    shortcut: str                                   # a QKeySequence, e.g. "Ctrl+1"
    stage: str | None = None                        # ld-desktop --screenshot --page STAGE
    scene: Callable[[UserSession], object] | None = None   # demo data staged before it
    #: more stages of the same place: the stage, and what it shows on the page (a tab)
    views: tuple[tuple[str, Callable[[Any], None]], ...] = ()

    def visible_to(self, session: UserSession) -> bool:
        return self.permission is None or session.can(self.permission)

    def stages(self) -> list[str]:
        return ([self.stage] if self.stage else []) + [name for name, _show in self.views]


def _with_session(page: Callable[[UserSession], PageWidget]
                  ) -> Callable[[PageContext], PageWidget]:
    return lambda context: page(context.session)


def _busy_and_conflicting(session: UserSession) -> None:
    demo_scenarios.busy_case_scene(session)   # a high risk, an escalation, a referral
    demo_scenarios.conflict_scene(session)


CLINICAL = Permission.VIEW_RECORDS

PLACES: tuple[Place, ...] = (
    Place("Caseload", _with_session(CaseloadPage), CLINICAL, "Ctrl+1", "caseload"),
    Place("Cases", _with_session(CasesPage), CLINICAL, "Ctrl+2", "cases"),
    Place("People", _with_session(PeoplePage), CLINICAL, "Ctrl+3", "people"),
    Place("Screening", _with_session(ScreeningPage), CLINICAL, "Ctrl+4"),
    Place("Handover", lambda c: HandoverPage(c.session, c.sync_service), CLINICAL, "Ctrl+5",
          "handover", _busy_and_conflicting),
    Place("Conflicts", _with_session(ConflictsPage), Permission.RESOLVE_CONFLICTS, "Ctrl+6",
          "conflicts", demo_scenarios.conflict_scene),
    Place("Rota", _with_session(RotaPage), Permission.MANAGE_ROTA, "Ctrl+7", "rota"),
    Place("Sync", lambda c: SyncPage(c.session, c.sync_service), None, "Ctrl+8", "sync"),
    # reports count people and cases: clinical roles only (an admin may not view them)
    Place("Reports", _with_session(ReportsPage), CLINICAL, "Ctrl+9", "reports",
          demo_scenarios.busy_case_scene,   # an escalation and an onward referral
          views=(("reports-quality", ReportsPage.show_quality),)),
    Place("Admin", _with_session(AdminPage), Permission.MANAGE_USERS, "Ctrl+Shift+A"),
)


def visible_places(session: UserSession) -> list[Place]:
    return [place for place in PLACES if place.visible_to(session)]


def place_for_stage(stage: str) -> Place | None:
    return next((place for place in PLACES if stage in place.stages()), None)


# ---------------------------------------------------------------- records opened from a place
def case_page(session: UserSession, case_id: uuid.UUID) -> PageWidget:
    return CasePage(session, case_id)


def person_page(session: UserSession, person_id: uuid.UUID) -> PageWidget:
    return PersonPage(session, person_id)   # read (and audited) in the background
