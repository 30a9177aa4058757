"""A real encrypted store with one practitioner, an adult case and a youth case."""

from __future__ import annotations

import shutil
import uuid
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


@dataclass(frozen=True)
class ClinicTemplate:
    folder: Path
    adult_case_id: uuid.UUID
    youth_case_id: uuid.UUID


@pytest.fixture(scope="session")
def clinic_template(tmp_path_factory: pytest.TempPathFactory) -> ClinicTemplate:
    """The clinic's store, made once a run (a fresh store, three unlocks and two referrals:
    0.2 s a test on a quiet machine) and copied for each test."""
    folder = tmp_path_factory.mktemp("clinic-template") / "store"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
        ws = Workstation(folder)
        ws.initialise("Testshire L&D", ["Northgate Custody Suite", "Riverside Court"], "admin1",
                      ADMIN_PASS)
        admin = ws.unlock("admin1", ADMIN_PASS)
        admin.accounts.add_user("prac1", Role.PRACTITIONER, PRACT_PASS)
        admin.lock()
        session = ws.unlock("prac1", PRACT_PASS)
        site = session.sites[0].id
        today = session.now().date()
        adult = session.persons.register(PersonDraft("Adulty", "Testington", date(1985, 3, 4)),
                                         site)
        youth = session.persons.register(
            PersonDraft("Younger", "Sampleton", date(today.year - 14, 1, 1)), site
        )
        adult_case = session.cases.new_referral(ReferralDraft(
            adult.id, site, "custody-sergeant", "arrested", custody_record_number="T/1"))
        youth_case = session.cases.new_referral(ReferralDraft(
            youth.id, site, "custody-sergeant", "arrested", custody_record_number="T/2"))
        session.lock()
    return ClinicTemplate(folder, adult_case.id, youth_case.id)


@pytest.fixture
def clinic(clinic_template: ClinicTemplate, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    """One practitioner (prac1) unlocked on a store with an adult case and a youth case (a
    copy of ``clinic_template``: its trail has prac1's lock and unlock more than a fresh
    store's would)."""
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    shutil.copytree(clinic_template.folder, tmp_path / "store")
    ws = Workstation(tmp_path / "store")
    session = ws.unlock("prac1", PRACT_PASS)
    adult_case = session.cases.open(clinic_template.adult_case_id, audit=False)
    youth_case = session.cases.open(clinic_template.youth_case_id, audit=False)
    yield Clinic(ws, session, adult_case, youth_case)
    session.lock()
