"""The L&D pathway vocabulary: stages, referral sources, contact types, urgency, disposals.

Values are stable codes stored and synced; labels are what people read (UK English).
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    REFERRED = "referred"
    SEEN = "seen"
    SCREENED = "screened"
    ASSESSED = "assessed"
    REFERRED_ON = "referred-on"     # onward referral made, support under way
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            Stage.REFERRED: "Referred",
            Stage.SEEN: "Seen",
            Stage.SCREENED: "Screened",
            Stage.ASSESSED: "Assessed",
            Stage.REFERRED_ON: "Referred on",
            Stage.CLOSED: "Closed",
        }[self]

    @property
    def is_open(self) -> bool:
        return self is not Stage.CLOSED


OPEN_STAGES = tuple(s for s in Stage if s.is_open)


class ReferralSource(StrEnum):
    CUSTODY_SERGEANT = "custody-sergeant"
    DETENTION_OFFICER = "detention-officer"
    INVESTIGATING_OFFICER = "investigating-officer"
    SOLICITOR = "solicitor"
    COURT = "court"
    PROBATION = "probation"
    YOT = "yot"
    FAMILY = "family"
    SELF = "self"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            ReferralSource.CUSTODY_SERGEANT: "Custody sergeant",
            ReferralSource.DETENTION_OFFICER: "Detention officer",
            ReferralSource.INVESTIGATING_OFFICER: "Investigating officer",
            ReferralSource.SOLICITOR: "Solicitor",
            ReferralSource.COURT: "Court",
            ReferralSource.PROBATION: "Probation",
            ReferralSource.YOT: "Youth offending team",
            ReferralSource.FAMILY: "Family or carer",
            ReferralSource.SELF: "Self-referral",
            ReferralSource.OTHER: "Other",
        }[self]


class ContactType(StrEnum):
    ARRESTED = "arrested"
    VOLUNTARY_ATTENDANCE = "voluntary-attendance"
    COURT = "court"

    @property
    def label(self) -> str:
        return {
            ContactType.ARRESTED: "Arrested (in custody)",
            ContactType.VOLUNTARY_ATTENDANCE: "Voluntary attendance",
            ContactType.COURT: "At court",
        }[self]


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return {Urgency.ROUTINE: 0, Urgency.SOON: 1, Urgency.URGENT: 2}[self]


class Disposal(StrEnum):
    NFA = "nfa"
    CHARGE = "charge"
    CAUTION = "caution"
    COMMUNITY_RESOLUTION = "community-resolution"
    REMAND = "remand"
    BAIL = "bail"
    RUI = "released-under-investigation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            Disposal.NFA: "No further action",
            Disposal.CHARGE: "Charged",
            Disposal.CAUTION: "Caution",
            Disposal.COMMUNITY_RESOLUTION: "Community resolution",
            Disposal.REMAND: "Remanded",
            Disposal.BAIL: "Bail",
            Disposal.RUI: "Released under investigation",
            Disposal.OTHER: "Other",
        }[self]


class Recipient(StrEnum):
    POLICE = "police"
    CPS = "cps"
    COURT = "court"
    PROBATION = "probation"
    YOT = "yot"
    GP = "gp"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            Recipient.POLICE: "Custody sergeant / police",
            Recipient.CPS: "Crown Prosecution Service",
            Recipient.COURT: "Court",
            Recipient.PROBATION: "Probation",
            Recipient.YOT: "Youth offending team",
            Recipient.GP: "GP",
            Recipient.OTHER: "Other (named)",
        }[self]


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_STATED = "not-stated"

    @property
    def label(self) -> str:
        return {"not-stated": "Not stated"}.get(self.value, self.value.capitalize())


# NHS Data Dictionary ethnic category codes (2001 census based), Z = not stated.
# The published list, with its source, is resources/codes/ethnic-category.json (services read
# it there); this copy for pure domain code is checked against it by a test.
ETHNIC_CATEGORIES: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese",
    "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
}
