"""The end-of-shift handover report with its sync receipt, drawn from the handover record
(the report's content is stored with the handover, so any workstation prints the same)."""

from __future__ import annotations

from pathlib import Path

from ld_desktop.services.handover import HandoverRecord
from ld_desktop.services.handover_content import NO_ONE_NEXT
from ld_desktop.ui.pdf.writer import bullet_list, esc, facts_table, write_pdf


def handover_html(record: HandoverRecord) -> str:
    receipt = record.sync_receipt
    parts = [
        f"<h1>Shift handover: {esc(', '.join(record.site_names) or 'all my sites')}</h1>",
        f"<p class='meta'>Shift {record.shift_start:%d/%m/%Y %H:%M} to "
        f"{record.shift_end:%d/%m/%Y %H:%M}; handed over by {esc(record.author)} at "
        f"{record.created_at:%d/%m/%Y %H:%M} (UTC). OFFICIAL-SENSITIVE.</p>",
    ]
    if record.incomplete_reason:
        parts.append(
            "<p class='warning'>This handover was completed with work not yet on the server: "
            f"{esc(record.incomplete_reason)}</p>")
    parts.append("<h2>Sync receipt</h2>")
    synced_at = receipt.get("synced_at", "not synced")
    parts.append(facts_table([
        ("Server sequence reached", receipt.get("server_seq", "not synced")),
        ("Synced at", synced_at),
        ("Changes sent", receipt.get("pushed", 0)),
        ("Changes received", receipt.get("pulled", 0)),
        ("Changes still only on this workstation", receipt.get("ops_still_local_at_handover", 0)),
        ("Conflicts not yet decided", receipt.get("conflicts_undecided_at_handover", 0)),
    ]))
    if record.acknowledged_by:
        parts.append(f"<p>Acknowledged by {esc(', '.join(record.acknowledged_by))}.</p>")
    for title, note in sorted(record.notes.items()):
        parts.append(f"<h2>Note: {esc(title)}</h2><p>{esc(note)}</p>")
    for title, lines in record.sections.items():
        parts.append(f"<h2>{esc(title)}</h2>")
        if lines == [NO_ONE_NEXT]:
            parts.append(f"<p class='warning'>{esc(NO_ONE_NEXT)}</p>")
        else:
            parts.append(bullet_list(lines) if lines else "<p>None.</p>")
    return "".join(parts)


def write_handover_report(record: HandoverRecord, path: Path) -> Path:
    return write_pdf(handover_html(record), path, "L&D shift handover")
