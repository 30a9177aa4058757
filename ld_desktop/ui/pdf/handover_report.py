"""The end-of-shift handover report with its sync receipt."""

from __future__ import annotations

from pathlib import Path

from ld_desktop.domain.pathway import Stage
from ld_desktop.services.handover import HandoverRecord, HandoverSummary
from ld_desktop.ui.pdf.writer import bullet_list, esc, facts_table, write_pdf


def handover_html(summary: HandoverSummary, record: HandoverRecord) -> str:
    receipt = record.sync_receipt
    parts = [
        f"<h1>Shift handover: {esc(', '.join(summary.site_names))}</h1>",
        f"<p class='meta'>Shift {summary.shift_start:%d/%m/%Y %H:%M} to "
        f"{summary.shift_end:%d/%m/%Y %H:%M}; handed over by {esc(record.author)} at "
        f"{record.created_at:%d/%m/%Y %H:%M} (UTC).</p>",
    ]
    if record.incomplete_reason:
        parts.append(
            "<p class='warning'>This handover was completed with work not yet on the server: "
            f"{esc(record.incomplete_reason)}</p>")
    parts.append("<h2>Sync receipt</h2>")
    parts.append(facts_table([
        ("Server sequence reached", receipt.get("server_seq", "not synced")),
        ("Changes sent", receipt.get("pushed", 0)),
        ("Changes received", receipt.get("pulled", 0)),
        ("Changes still only on this workstation", receipt.get("ops_still_local_at_handover", 0)),
        ("Conflicts not yet decided", receipt.get("conflicts_undecided_at_handover", 0)),
    ]))
    for title, note in sorted(record.notes.items()):
        parts.append(f"<h2>Note: {esc(title)}</h2><p>{esc(note)}</p>")
    parts.append(f"<h2>In custody ({len(summary.in_custody)})</h2>")
    parts.append(bullet_list(f"{r.person_name}, {r.site_name}, {Stage(r.stage).label}"
                             for r in summary.in_custody) if summary.in_custody else "<p>None.</p>")
    for title, items in (
        ("High risks", summary.high_risks),
        ("Escalations pending", summary.pending_escalations),
        ("Referrals awaiting an answer", summary.referrals_awaiting),
        ("Follow-ups due next shift", summary.follow_ups_due),
        ("Information sharing to do", summary.sharing_to_do),
    ):
        parts.append(f"<h2>{title} ({len(items)})</h2>")
        parts.append(bullet_list(i.text for i in items) if items else "<p>None.</p>")
    staffing = [f"{s.username} {s.starts}-{s.ends}" for s in summary.staffing_next]
    parts.append("<h2>Staffing next shift</h2>")
    parts.append(bullet_list(staffing) if staffing else
                 "<p class='warning'>No one is on the rota for the next shift.</p>")
    return "".join(parts)


def write_handover_report(summary: HandoverSummary, record: HandoverRecord, path: Path) -> Path:
    return write_pdf(handover_html(summary, record), path, "L&D shift handover")
