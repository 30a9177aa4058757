"""The vulnerability domains L&D screens for: stable codes (stored on cases as flags) and the
words shown to practitioners."""

from __future__ import annotations

VULNERABILITY_DOMAINS: dict[str, str] = {
    "mental-health": "Mental health",
    "suicide-self-harm": "Suicide or self-harm",
    "learning-disability": "Learning disability",
    "learning-difficulty": "Learning difficulty",
    "autism": "Autism",
    "adhd": "ADHD",
    "brain-injury": "Acquired brain injury",
    "communication": "Speech, language or communication needs",
    "alcohol": "Alcohol",
    "drugs": "Drugs",
    "physical-health": "Physical health",
    "trauma": "Trauma or abuse",
    "safeguarding": "Safeguarding or exploitation",
    "housing": "Housing or homelessness",
    "finance": "Finance, debt or benefits",
    "veteran": "Veteran",
    "care-leaver": "Care leaver",
    "pregnancy": "Pregnancy",
    "young-person": "Young person",
    "charge-related-risk": "Charge-related risk",
}

#: flags that put a case at the top of the caseload and call for clinical review
HIGH_CONCERN = frozenset({"suicide-self-harm", "safeguarding", "charge-related-risk"})


def label(code: str) -> str:
    return VULNERABILITY_DOMAINS.get(code, code.replace("-", " ").capitalize())
