"""The monthly return against the seeded store (tests/services/report_seed.py): every row
count, the CSVs parse, every code used is in the mapping file, NHS numbers only in
MHS001MPI, the manifest's hashes, refusal when data quality is not confirmed, the audit."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from ld_desktop.domain.roles import PermissionDenied
from ld_desktop.services.reports import period as periods
from ld_desktop.services.reports.monthly_return import TABLES, ReturnNotConfirmed
from ld_desktop.services.reports.national_codes import CodeMapping, CodeMappingError
from ld_desktop.services.reports.service import ReportService
from ld_desktop.store.models import AuditEvent

from .report_seed import seed_october
from .support import BOTH, NORTH


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "returns"
    folder.mkdir()
    return folder

OCTOBER = periods.month(date(2026, 10, 1))
CODED = {("MHS001MPI", "EthnicCategory"), ("MHS001MPI", "Gender"),
         ("MHS001MPI", "NHSNumberStatus"), ("MHS101Referral", "SourceOfReferralMH"),
         ("MHS102ServiceTypeReferredTo", "ServTeamTypeRefToMH"),
         ("MHS201CareContact", "ConsMechanismMH"), ("MHS201CareContact", "ActLocTypeCode"),
         ("MHS201CareContact", "AttendOrDNACode"),
         ("MHS606CodedScoreAssessmentRefer", "CodedAssToolType"),
         ("MHS607CodedScoreAssessmentAct", "CodedAssToolType")}


def _read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == TABLES[table]
        return list(reader)


def test_the_return_has_exactly_the_rows_built_and_valid_codes(open_session, out) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    s = seed_october(senior)
    written = ReportService(senior).monthly_return(OCTOBER, out, confirm_problems=True)
    folder = written.folder
    assert folder == out / "mhsds-return-2026-10"
    assert folder.stat().st_mode & 0o777 == 0o700                 # owner only: names people
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}
    counts = {t: len(_read(folder, t)) for t in TABLES}
    assert counts == {"MHS001MPI": 4, "MHS101Referral": 5, "MHS102ServiceTypeReferredTo": 5,
                      "MHS201CareContact": 3, "MHS105OnwardReferral": 2,
                      "MHS606CodedScoreAssessmentRefer": 1,
                      "MHS607CodedScoreAssessmentAct": 1}
    referrals = {r["ServiceRequestId"]: r for r in _read(folder, "MHS101Referral")}
    assert {k: referrals[str(s.cases[k])]["SourceOfReferralMH"] for k in
            ("C1", "C2", "C3", "C4", "C6")} == {"C1": "E1", "C2": "", "C3": "E2", "C4": "E1",
                                                "C6": "E1"}
    assert referrals[str(s.cases["C2"])]["AgeServReferRecDate"] == "15"
    # P1's two referrals carry one pseudonym; no person id or NHS number outside MHS001MPI
    assert (referrals[str(s.cases["C1"])]["PersonPseudonym"]
            == referrals[str(s.cases["C3"])]["PersonPseudonym"])
    for table in TABLES:
        text = (folder / f"{table}.csv").read_text("utf-8")
        if table != "MHS001MPI":
            assert "9990000018" not in text
            assert str(s.people["P1"]) not in text
    assert {r["CodedAssToolType"] for r in _read(folder, "MHS607CodedScoreAssessmentAct")} == {
        "720433000"}
    assert [r["PersScore"] for r in _read(folder, "MHS606CodedScoreAssessmentRefer")] == ["4"]
    # every code used is in the mapping file, for that field, and not unverified
    mapping = CodeMapping.load()
    for table, column in CODED:
        allowed = {c.national for (name, _), c in mapping.codes.items()
                   if name.endswith(f".{column}") and c.status != "unverified"}
        used = {r[column] for r in _read(folder, table)} - {""}
        assert used <= allowed, (table, column, used - allowed)


def test_the_manifest_counts_hashes_and_names_what_was_left_blank(open_session, out) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    folder = ReportService(senior).monthly_return(OCTOBER, out,
                                                  confirm_problems=True).folder
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["period"]["month"] == "2026-10"
    assert manifest["generated_by"]["username"] == "senior1"
    assert len(manifest["sites"]) == 2
    for entry in manifest["files"]:
        data = (folder / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["rows"] == data.decode().count("\n") - 1
    blank = {(u["field"], u["app_code"]) for u in manifest["codes"]["used"]["unverified"]}
    assert ("MHS101Referral.SourceOfReferralMH", "solicitor") in blank
    assert manifest["data_quality"]["problems"] == 9
    with open_session(BOTH).store.reading() as db:
        export = db.query(AuditEvent).filter(AuditEvent.action == "export").one()
    assert export.detail["rows"]["MHS001MPI"] == 4
    assert export.detail["confirmed_despite_problems"] is True


def test_problems_not_confirmed_write_nothing_and_others_may_not(open_session, out) -> None:  # type: ignore[no-untyped-def]
    senior = open_session(BOTH)
    seed_october(senior)
    reports = ReportService(senior)
    with pytest.raises(ReturnNotConfirmed, match="9 problem"):
        reports.monthly_return(OCTOBER, out)
    assert list(out.iterdir()) == []
    clean = reports.monthly_return(periods.month(date(2026, 6, 1)), out)
    assert clean.rows("MHS101Referral") == 0
    with pytest.raises(ValueError, match="already exists"):
        reports.monthly_return(periods.month(date(2026, 6, 1)), out)
    with pytest.raises(ValueError, match="is not a folder"):
        reports.monthly_return(periods.month(date(2026, 6, 1)), out / "nowhere")
    with pytest.raises(PermissionDenied):
        ReportService(open_session(NORTH)).monthly_return(OCTOBER, out,
                                                          confirm_problems=True)


def test_the_mapping_file_refuses_an_invented_or_unsourced_code(tmp_path) -> None:
    data = json.loads(CodeMapping.load().path.read_text("utf-8"))
    field = data["fields"]["MHS001MPI.Gender"]["codes"][0]
    field["national"] = "2"                                   # unverified, yet used
    bad = tmp_path / "mhsds.json"
    bad.write_text(json.dumps(data), "utf-8")
    with pytest.raises(CodeMappingError, match="unverified code must not be used"):
        CodeMapping.load(bad)
    field.update(status="verified", source="no-such-source")
    bad.write_text(json.dumps(data), "utf-8")
    with pytest.raises(CodeMappingError, match="unknown source"):
        CodeMapping.load(bad)
