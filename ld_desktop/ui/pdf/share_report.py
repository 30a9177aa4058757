"""The information-sharing report for one recipient (content from SharingService.build)."""

from __future__ import annotations

from pathlib import Path

from ld_desktop.services.sharing import SECTIONS, ShareReport
from ld_desktop.ui.pdf.writer import bullet_list, esc, facts_table, write_pdf


def share_report_html(report: ShareReport) -> str:
    parts = [
        f"<h1>Information for {esc(report.recipient_label)}</h1>",
        "<p class='meta'>From the Liaison and Diversion service</p>",
        f"<p class='meta'>Prepared by {esc(report.prepared_by)} on "
        f"{report.prepared_at:%d/%m/%Y at %H:%M} (UTC). OFFICIAL-SENSITIVE.</p>",
        facts_table([
            ("Name", report.person_name),
            ("Date of birth", report.date_of_birth),
            ("Custody record", report.custody_record_number or "not applicable"),
            ("Site", report.site_name),
        ]),
        f"<p>{esc(report.consent_statement)} Only the sections below were shared.</p>",
    ]
    for key, items in report.sections.items():
        parts.append(f"<h2>{esc(SECTIONS[key])}</h2>")
        parts.append(bullet_list(items))
    parts.append(
        "<p class='footer'>Shared with consent under the Liaison and Diversion service "
        "standard. Do not pass on beyond the named recipient without the person's consent.</p>"
    )
    return "".join(parts)


def write_share_report(report: ShareReport, path: Path) -> Path:
    return write_pdf(share_report_html(report), path,
                     f"L&D information for {report.recipient_label}")
