"""Starting points for the recommendations in an information-sharing report. They are
suggestions the practitioner edits, never sent as they stand: each follows from a
vulnerability flag recorded on the case."""

from __future__ import annotations

from collections.abc import Iterable

NEEDS_APPROPRIATE_ADULT = frozenset({
    "learning-disability", "learning-difficulty", "autism", "communication", "brain-injury",
    "mental-health", "young-person"})
NEEDS_INTERVIEW_ADJUSTMENTS = frozenset({
    "learning-disability", "learning-difficulty", "autism", "adhd", "communication",
    "brain-injury"})

_BY_FLAG: dict[str, str] = {
    "suicide-self-harm": "Raised risk of suicide or self-harm: keep under close observation "
                         "in custody and share this risk with the custody healthcare team and "
                         "whoever receives the person on release.",
    "mental-health": "If charged, consider mental health diversion options (for example a "
                     "mental health treatment requirement) and a court liaison review.",
    "alcohol": "Consider an alcohol treatment requirement or referral to the drug and alcohol "
               "service as a diversion option.",
    "drugs": "Consider a drug rehabilitation requirement or referral to the drug and alcohol "
             "service as a diversion option.",
    "safeguarding": "Safeguarding concerns identified: a referral has been or should be made; "
                    "consider exploitation (including modern slavery) before charge decisions.",
    "housing": "No settled accommodation: bail and release plans need an address; housing "
               "options have been or should be contacted.",
}


def suggested_recommendations(flags: Iterable[str], is_youth: bool) -> list[str]:
    found = set(flags)
    if is_youth:
        found.add("young-person")
    lines: list[str] = []
    if found & NEEDS_APPROPRIATE_ADULT:
        lines.append("An appropriate adult should be present for interview and for any "
                     "charge or caution process.")
    if found & NEEDS_INTERVIEW_ADJUSTMENTS:
        lines.append("Adjustments for interview: plain language, one question at a time, "
                     "regular breaks, check understanding; consider a registered intermediary.")
    lines += [_BY_FLAG[f] for f in sorted(found) if f in _BY_FLAG]
    if is_youth:
        lines.append("Young person: liaise with the youth offending team before any decision.")
    return lines
