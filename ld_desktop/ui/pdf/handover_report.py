"""The end-of-shift handover report with its sync receipt, drawn from the handover record
(the report's content is stored with the handover, so any workstation prints the same)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ld_desktop.services.handover import HandoverRecord
from ld_desktop.services.handover_content import NO_ONE_NEXT
from ld_desktop.ui.pdf.writer import bullet_list, esc, facts_table, write_pdf


def local(moment: datetime) -> str:
    """A stored (UTC) time as the workstation's local time, with its zone (GMT or BST)."""
    shown = moment.astimezone()
    return f"{shown:%a %d/%m/%Y %H:%M} {shown.tzname() or ''}".strip()


def handover_html(record: HandoverRecord) -> str:
    receipt = record.sync_receipt
    parts = [
        f"<h1>Shift handover: {esc(', '.join(record.site_names) or 'all my sites')}</h1>",
        f"<p class='meta'>Shift {local(record.shift_start)} to {local(record.shift_end)}; "
        f"handed over by {esc(record.author)} at {local(record.created_at)}. "
        "OFFICIAL-SENSITIVE.</p>",
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
    general = record.notes.get("general")     # the note for the whole team first
    if general:
        parts.append(f"<h2>Note for the whole team</h2><p>{esc(general)}</p>")
    for title, note in record.notes.items():
        if title != "general":
            parts.append(f"<h2>Note: {esc(title)}</h2><p>{esc(note)}</p>")
    for title, lines in record.sections.items():
        parts.append(f"<h2>{esc(title)}</h2>")
        if lines == [NO_ONE_NEXT]:
            parts.append(f"<p class='warning'>{esc(NO_ONE_NEXT)}</p>")
        else:
            parts.append(bullet_list(lines) if lines else "<p>None.</p>")
    return "".join(parts)


def report_file_name(record: HandoverRecord) -> str:
    return f"LD-handover-{record.shift_start.astimezone():%Y%m%d-%H%M}.pdf"


def write_handover_report(record: HandoverRecord, path: Path) -> Path:
    return write_pdf(handover_html(record), path, "L&D shift handover")
