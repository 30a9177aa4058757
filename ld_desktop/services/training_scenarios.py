"""Training scenarios: fictional people and cases that walk a new practitioner through the
L&D pathway, each with step-by-step cards.

Every person is called "Trainee-…" and every NHS number is in the 999 test range, so nothing
here can be taken for a real person. The cases are written the way the demo's are (rows,
outbox ops and audit in one unit of work); the trainee does the work through the ordinary
screens, following the cards.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ld_desktop.domain.pathway import ContactType, ReferralSource, Stage, Urgency
from ld_desktop.services.demo_data import demo_nhs_number
from ld_desktop.services.fictional_cases import write_person_and_case
from ld_desktop.store.models import Case, Person
from ld_desktop.store.store import UnitOfWork

CUSTODY, COURT = 0, 1   # index into the training sites


@dataclass(frozen=True)
class CaseSeed:
    given: str
    family: str
    age: int
    site: int
    contact: ContactType
    source: ReferralSource
    urgency: Urgency
    reason: str
    flags: tuple[str, ...] = ()
    hours_ago: float = 1.0
    stage: Stage = Stage.REFERRED
    parent_carer: str | None = None
    communication_needs: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    signs_in_as: str
    summary: str
    steps: tuple[str, ...]
    cases: tuple[CaseSeed, ...]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "adult-arrest", "Adult arrested, referred by the custody sergeant", "trainee.practitioner",
        "Alex has been arrested for shoplifting and seems low and withdrawn.",
        ("Sign in as trainee.practitioner. On the Caseload, find TRAINEE-ARREST, Alex and open "
         "the case (Enter).",
         "Record consent to assessment: Alex has capacity and agrees.",
         "Start the L&D core screen. Use the number keys to answer; Enter moves on.",
         "Read the result page: which vulnerabilities were found, and what is suggested next?",
         "Escalate to the mental health nurse if the screen suggests it, and add a note.",
         "Record consent to share with police, then prepare the share for the custody "
         "sergeant. Look at the PDF: it is watermarked TRAINING."),
        (CaseSeed("Alex", "Trainee-Arrest", 34, CUSTODY, ContactType.ARRESTED,
                  ReferralSource.CUSTODY_SERGEANT, Urgency.SOON,
                  "Withdrawn and tearful in the cell; sergeant concerned about mood"),)),
    Scenario(
        "voluntary-attendance", "Voluntary attendance interview", "trainee.practitioner",
        "Sam is attending voluntarily for an interview about criminal damage.",
        ("Open TRAINEE-VOLUNTARY, Sam. Note the contact type: voluntary attendance, not arrest.",
         "Record consent to assessment, then complete the core screen.",
         "Sam mentions debt and eviction: make an onward referral to housing and to debt "
         "advice from the service directory.",
         "Add a support action with a due date, and see it on the Caseload."),
        (CaseSeed("Sam", "Trainee-Voluntary", 27, CUSTODY, ContactType.VOLUNTARY_ATTENDANCE,
                  ReferralSource.INVESTIGATING_OFFICER, Urgency.ROUTINE,
                  "Attending for interview; officer noticed confusion about dates",
                  flags=("finance",)),)),
    Scenario(
        "youth-appropriate-adult", "A 15-year-old with an appropriate adult",
        "trainee.practitioner",
        "Jordan is 15, arrested, and the appropriate adult is on the way.",
        ("Open TRAINEE-YOUTH, Jordan. The youth pathway is shown: note what changes at 10–17.",
         "Record the appropriate adult and the parent or carer.",
         "Consent: consider Gillick competence and involve the parent or carer.",
         "Only instruments licensed for Jordan's age are offered: start the core screen.",
         "Record the liaison with the Youth Offending Team."),
        (CaseSeed("Jordan", "Trainee-Youth", 15, CUSTODY, ContactType.ARRESTED,
                  ReferralSource.DETENTION_OFFICER, Urgency.SOON,
                  "15-year-old, first arrest, appropriate adult requested",
                  parent_carer="Parent: fictional contact 01632 960001",
                  communication_needs="Short questions; check understanding"),)),
    Scenario(
        "urgent-self-harm", "Urgent: thoughts of self-harm", "trainee.practitioner",
        "Casey told the detention officer they want to end their life.",
        ("Open TRAINEE-SELFHARM, Casey: the case is urgent and flagged.",
         "Record a risk assessment: high risk needs a review date, and shows on the Caseload.",
         "Escalate to the mental health nurse as urgent, with your reason.",
         "Tell the custody sergeant (with consent, or record why sharing is needed without).",
         "Add a note of what you did and when."),
        (CaseSeed("Casey", "Trainee-Selfharm", 22, CUSTODY, ContactType.ARRESTED,
                  ReferralSource.DETENTION_OFFICER, Urgency.URGENT,
                  "Said to the detention officer they want to end their life. Do not leave "
                  "alone", flags=("suicide-self-harm", "mental-health"), hours_ago=0.3),)),
    Scenario(
        "court-case", "At court: a referral from the magistrates' court", "trainee.practitioner",
        "Robin is in the court cells before a hearing; the solicitor asked for L&D.",
        ("Open TRAINEE-COURT, Robin at the training magistrates' court.",
         "Complete the core screen and an AUDIT-C (Robin drinks daily).",
         "Prepare information for the court with Robin's consent, and look at the PDF.",
         "Record the outcome when the hearing is over, and close the case with a reason."),
        (CaseSeed("Robin", "Trainee-Court", 45, COURT, ContactType.COURT, ReferralSource.SOLICITOR,
                  Urgency.SOON, "Solicitor concerned about alcohol and memory before hearing",
                  flags=("alcohol",)),)),
    Scenario(
        "sync-conflict", "Two workstations changed the same case", "trainee.senior",
        "A colleague at court and one in custody both changed Morgan's urgency offline.",
        ("Sign in as trainee.senior and open the Conflicts page (the status bar counts it).",
         "Compare both values, who entered them and when.",
         "Decide which is right and write your reason: the decision itself syncs and is "
         "audited.",
         "Open TRAINEE-CONFLICT, Morgan to see the decided urgency."),
        (CaseSeed("Morgan", "Trainee-Conflict", 38, CUSTODY, ContactType.ARRESTED,
                  ReferralSource.CUSTODY_SERGEANT, Urgency.ROUTINE,
                  "Referred for low mood; urgency changed on two workstations",
                  stage=Stage.SEEN),)),
    Scenario(
        "end-of-shift", "End of shift: sync and hand over", "trainee.senior",
        "Three cases are still open as the shift ends.",
        ("Sign in as trainee.senior and open Handover.",
         "Read what is open, waiting and overdue; open one item to check it.",
         "Write the handover notes for the next shift.",
         "Press Sync and hand over. A training workstation only ever syncs with a training "
         "server; with none, hand over anyway and give 'training' as the reason.",
         "Open the handover PDF: it is watermarked TRAINING."),
        (CaseSeed("Drew", "Trainee-Handover", 51, CUSTODY, ContactType.ARRESTED,
                  ReferralSource.CUSTODY_SERGEANT, Urgency.SOON, "Awaiting screening at shift end",
                  hours_ago=5.0),
         CaseSeed("Kit", "Trainee-Handover", 19, CUSTODY, ContactType.ARRESTED,
                  ReferralSource.DETENTION_OFFICER, Urgency.ROUTINE, "Seen; screening to finish",
                  hours_ago=3.0, stage=Stage.SEEN,
                  note="Seen in the cell; agreed to screening after interview. (Training.)"),
         CaseSeed("Lee", "Trainee-Handover", 63, COURT, ContactType.COURT, ReferralSource.COURT,
                  Urgency.ROUTINE, "Screened; referral to memory clinic to make",
                  hours_ago=7.0, stage=Stage.SCREENED))),
)


def seed_scenario_cases(uow: UnitOfWork, sites: list[uuid.UUID], now: datetime,
                        holder: str) -> dict[str, list[uuid.UUID]]:
    """Write every scenario's people and cases; returns scenario id -> its case ids."""
    rng = random.Random(2026)
    made: dict[str, list[uuid.UUID]] = {}
    for scenario in SCENARIOS:
        made[scenario.id] = [_write_case(uow, seed, sites, now, holder, rng)
                             for seed in scenario.cases]
    return made


def _write_case(uow: UnitOfWork, seed: CaseSeed, sites: list[uuid.UUID], now: datetime,
                holder: str, rng: random.Random) -> uuid.UUID:
    site = sites[min(seed.site, len(sites) - 1)]
    today = now.date()
    person = Person(site_id=site, given_name=seed.given, family_name=seed.family,
                    date_of_birth=date(today.year - seed.age, 3, 14),
                    gender="not-stated", nhs_number=demo_nhs_number(rng),
                    ethnic_category="Z", no_fixed_abode=False,
                    communication_needs=seed.communication_needs,
                    parent_carer=seed.parent_carer)
    custody = (f"TRAIN/{rng.randint(10, 99)}/{rng.randint(100000, 999999)}"
               if seed.contact is ContactType.ARRESTED else None)
    case = Case(site_id=site, referral_source=seed.source.value,
                referral_time=now - timedelta(hours=seed.hours_ago),
                custody_record_number=custody,
                offences=["Training scenario (fictional)"], contact_type=seed.contact.value,
                urgency=seed.urgency.value, reason=seed.reason, stage=seed.stage.value,
                holder=holder, in_custody=seed.contact is ContactType.ARRESTED,
                flags=list(seed.flags), risk_level=None)
    return write_person_and_case(uow, person, case, step=timedelta(minutes=45), now=now,
                                 note=seed.note).id


def scenario(scenario_id: str) -> Scenario:
    for each in SCENARIOS:
        if each.id == scenario_id:
            return each
    raise LookupError(f"no training scenario {scenario_id!r}")


class CardWalk:
    """Where a trainee is in the step-by-step cards (no Qt: the dock only shows it)."""

    def __init__(self, scenarios: tuple[Scenario, ...] = SCENARIOS) -> None:
        self.scenarios = scenarios
        self.scenario_index = 0
        self.step_index = 0

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[self.scenario_index]

    @property
    def step_text(self) -> str:
        return self.scenario.steps[self.step_index]

    @property
    def position(self) -> str:
        return f"Step {self.step_index + 1} of {len(self.scenario.steps)}"

    @property
    def can_go_back(self) -> bool:
        return self.step_index > 0

    @property
    def can_go_on(self) -> bool:
        return self.step_index < len(self.scenario.steps) - 1

    def choose(self, index: int) -> None:
        if not 0 <= index < len(self.scenarios):
            raise IndexError(f"no scenario {index}")
        self.scenario_index, self.step_index = index, 0

    def next(self) -> None:
        if self.can_go_on:
            self.step_index += 1

    def back(self) -> None:
        if self.can_go_back:
            self.step_index -= 1
