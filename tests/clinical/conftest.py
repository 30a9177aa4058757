"""A real encrypted store with one practitioner, an adult case and a youth case."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import CaseView
from ld_desktop.services.workstation import Workstation

ADMIN_PASS = "admin passphrase for tests"
PRACT_PASS = "practitioner passphrase here"


@dataclass
class Clinic:
    workstation: Workstation
    session: UserSession
    adult_case: CaseView
    youth_case: CaseView


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "store")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite", "Riverside Court"], "admin1",
                  ADMIN_PASS)
    admin = ws.unlock("admin1", ADMIN_PASS)
    admin.accounts.add_user("prac1", Role.PRACTITIONER, PRACT_PASS)
    admin.lock()
    session = ws.unlock("prac1", PRACT_PASS)
    site = session.sites[0].id
    today = session.now().date()
    adult = session.persons.register(PersonDraft("Adulty", "Testington", date(1985, 3, 4)), site)
    youth = session.persons.register(
        PersonDraft("Younger", "Sampleton", date(today.year - 14, 1, 1)), site
    )
    adult_case = session.cases.new_referral(
        ReferralDraft(adult.id, site, "custody-sergeant", "arrested", custody_record_number="T/1")
    )
    youth_case = session.cases.new_referral(
        ReferralDraft(youth.id, site, "custody-sergeant", "arrested", custody_record_number="T/2")
    )
    yield Clinic(ws, session, adult_case, youth_case)
    session.lock()
