"""The handover report's words, fixed when the handover is completed and stored with it, so
a previous handover prints exactly as it was handed over on any workstation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ld_desktop.domain.pathway import Stage
from ld_desktop.domain.rota import Shift
from ld_desktop.domain.targets import waited
from ld_desktop.services.views import CaseRow

REPORT_KEY = "_report"       # inside HandoverNote.notes, beside the written notes
NO_ONE_NEXT = "No one is on the rota for the next shift."


def _staff(shift: Shift, site_names: dict[str, str]) -> str:
    where = site_names.get(shift.site_id)
    return (f"{shift.username or 'unassigned'} {shift.starts}-{shift.ends}"
            + (f", {where}" if where else ""))


def _who(row: CaseRow) -> str:
    """The person and custody number: what tells two cases apart on paper."""
    return f"{row.person_name} ({row.custody_record_number or 'no custody number'})"


def _case(row: CaseRow) -> str:
    return f"{_who(row)}, {row.site_name}, {Stage(row.stage).label}"


def _waiting(row: CaseRow, now: datetime) -> str:
    """Under its stage's heading: who, where and how long waiting (kept on one line)."""
    wait = waited(row.referral_time, now).replace(" ", "\u00a0")
    return f"{_who(row)}, {row.site_name}, waiting\u00a0{wait}"


def report_sections(summary: Any, now: datetime) -> dict[str, list[str]]:
    """Section title -> lines, in the order the report shows them; waiting times as at
    ``now`` (when the handover is made)."""
    sections: dict[str, list[str]] = {
        f"In custody or awaiting court ({len(summary.in_custody)})":
            [_case(r) for r in summary.in_custody],
    }
    for stage, rows in summary.open_by_stage.items():
        if rows:
            sections[f"Open: {Stage(stage).label} ({len(rows)})"] = [_waiting(r, now)
                                                                     for r in rows]
    for title, items in (
        ("High risks", summary.high_risks),
        ("Escalations pending", summary.pending_escalations),
        ("Referrals awaiting an answer", summary.referrals_awaiting),
        ("Follow-ups due next shift", summary.follow_ups_due),
        ("Information sharing to do", summary.sharing_to_do),
    ):
        sections[f"{title} ({len(items)})"] = [i.text for i in items]
    sections[f"Targets breached this shift ({len(summary.breaches_this_shift)})"] = [
        f"{_who(r)}: {'; '.join(r.breaches)}" for r in summary.breaches_this_shift]
    names = dict(summary.site_names_by_id)
    sections["Staffing now"] = [_staff(s, names) for s in summary.staffing_now]
    sections["Staffing next shift"] = ([_staff(s, names) for s in summary.staffing_next]
                                       or [NO_ONE_NEXT])
    return sections


def stored_report(summary: Any, now: datetime) -> dict[str, Any]:
    return {"site_names": list(summary.site_names), "sections": report_sections(summary, now)}
