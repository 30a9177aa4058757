"""The monthly return to the commissioner: one CSV per MHSDS-aligned table and a manifest
(row counts, period, sites, who generated it, a SHA-256 of each file, which national codes
were used and which were left empty as unverified). A person appears by NHS number only in
MHS001MPI; every other table carries a keyed pseudonym instead. Audited as an export.

Written into a new folder inside ``out_dir`` and renamed into place when complete, so a
failure half way leaves no half-written return behind.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ld_desktop.domain.roles import Permission
from ld_desktop.services.reports.data_quality import DataQualityReport, data_quality
from ld_desktop.services.reports.national_codes import CodeMapping, CodeUse, default_mapping
from ld_desktop.services.reports.period import Period
from ld_desktop.services.reports.scope import report_filter
from ld_desktop.services.session import UserSession
from ld_desktop.store import return_queries as q
from ld_desktop.store.page_cache import widen_page_cache
from ld_desktop.store.report_queries import Filter, site_names
from ld_desktop.store.store import DbSession

MANIFEST = "manifest.json"
TABLES: dict[str, tuple[str, ...]] = {
    "MHS001MPI": ("LocalPatientId", "NHSNumber", "NHSNumberStatus", "PersonBirthDate",
                  "Gender", "EthnicCategory"),
    "MHS101Referral": ("ServiceRequestId", "PersonPseudonym", "SiteName", "SourceOfReferralMH",
                       "PrimReasonReferralMH", "ReferralRequestReceivedDate",
                       "ReferralRequestReceivedTime", "ServDischDate", "AgeServReferRecDate"),
    "MHS102ServiceTypeReferredTo": ("ServiceRequestId", "PersonPseudonym",
                                    "ServTeamTypeRefToMH", "ReferClosureDate"),
    "MHS201CareContact": ("CareContactId", "ServiceRequestId", "PersonPseudonym",
                          "CareContDate", "CareContTime", "ConsMechanismMH", "ActLocTypeCode",
                          "AttendOrDNACode"),
    "MHS105OnwardReferral": ("OnwardReferralId", "ServiceRequestId", "PersonPseudonym",
                             "OnwardReferDate", "OnwardReferServiceLocal",
                             "OnwardReferServiceName", "OnwardReferStatusLocal"),
    "MHS606CodedScoreAssessmentRefer": ("AssessmentId", "ServiceRequestId", "PersonPseudonym",
                                        "InstrumentLocal", "CodedAssToolType", "PersScore",
                                        "AssToolCompDate"),
    "MHS607CodedScoreAssessmentAct": ("AssessmentId", "CareContactId", "PersonPseudonym",
                                      "InstrumentLocal", "CodedAssToolType", "PersScore",
                                      "AssToolCompDate"),
}
SCORE_FIELD = "MHS607CodedScoreAssessmentAct.CodedAssToolType"


class ReturnNotConfirmed(ValueError):
    """The data-quality report found problems and nobody confirmed going ahead."""

    def __init__(self, report: DataQualityReport) -> None:
        super().__init__(
            f"The return for {report.period.label} was not written: the data-quality report "
            f"found {report.problem_count} problem(s). Fix them, or confirm to go ahead.")
        self.report = report


@dataclass(frozen=True)
class ReturnFile:
    table: str
    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class MonthlyReturn:
    folder: Path
    period: Period
    files: tuple[ReturnFile, ...]
    manifest: dict[str, Any]

    def rows(self, table: str) -> int:
        return next(f.rows for f in self.files if f.table == table)


def _pseudonymiser(session: UserSession) -> Callable[[uuid.UUID], str]:
    """A keyed hash of the person id: stable from month to month on this workstation (so
    a commissioner can count repeat attenders) and meaningless without its key, which is
    derived from the store's data key and never leaves it."""
    key = hmac.new(bytes(session.data_key), b"ld-desktop mhsds pseudonym v1",
                   hashlib.sha256).digest()
    return lambda person: hmac.new(key, person.bytes, hashlib.sha256).hexdigest()[:32]


def _date(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d}"


def _score(result: dict[str, Any]) -> str:
    total = (result.get("scores") or {}).get("total") or {}
    value = total.get("value")
    return "" if value is None or total.get("complete") is False else f"{value:g}"


def _tables(db: DbSession, f: Filter, codes: CodeUse, pseudonym: Callable[[uuid.UUID], str]
            ) -> dict[str, Iterable[tuple[Any, ...]]]:
    def mpi() -> Iterator[tuple[Any, ...]]:
        for pid, nhs, status, born, gender, ethnic in q.people(db, f):
            yield (str(pid), nhs or "", codes.national("MHS001MPI.NHSNumberStatus", status),
                   born.isoformat() if born else "",
                   codes.national("MHS001MPI.Gender", gender),
                   codes.national("MHS001MPI.EthnicCategory", ethnic))

    def referrals() -> Iterator[tuple[Any, ...]]:
        for cid, pid, site, _kind, source, at, closed, _seen, age in q.referrals(db, f):
            yield (str(cid), pseudonym(pid), site,
                   codes.national("MHS101Referral.SourceOfReferralMH", source), "",
                   _date(at), f"{at:%H:%M:%S}", _date(closed), "" if age is None else age)

    def service_types() -> Iterator[tuple[Any, ...]]:
        for cid, pid, _site, _kind, _source, _at, closed, _seen, _age in q.referrals(db, f):
            yield (str(cid), pseudonym(pid),
                   codes.national("MHS102ServiceTypeReferredTo.ServTeamTypeRefToMH",
                                  "liaison-and-diversion"), _date(closed))

    def contacts() -> Iterator[tuple[Any, ...]]:
        for cid, pid, kind, seen in q.contacts(db, f):
            yield (f"{cid}-seen", str(cid), pseudonym(pid), _date(seen), f"{seen:%H:%M:%S}",
                   codes.national("MHS201CareContact.ConsMechanismMH", "seen"),
                   codes.national("MHS201CareContact.ActLocTypeCode", kind),
                   codes.national("MHS201CareContact.AttendOrDNACode", "seen"))

    def onward() -> Iterator[tuple[Any, ...]]:
        for rid, cid, pid, made, code, name, status in q.onward_referrals(db, f):
            yield (str(rid), str(cid), pseudonym(pid), made.isoformat(), code, name, status)

    assessments = list(q.scored_assessments(db, f))   # at most a few per case in a month

    def scored(with_contact: bool) -> Iterator[tuple[Any, ...]]:
        for sid, cid, pid, instrument, result, signed, had_contact in assessments:
            if bool(had_contact) is with_contact:
                link = f"{cid}-seen" if with_contact else str(cid)
                yield (str(sid), link, pseudonym(pid), instrument,
                       codes.national(SCORE_FIELD, instrument), _score(result), _date(signed))

    return {"MHS001MPI": mpi(), "MHS101Referral": referrals(),
            "MHS102ServiceTypeReferredTo": service_types(), "MHS201CareContact": contacts(),
            "MHS105OnwardReferral": onward(),
            "MHS606CodedScoreAssessmentRefer": scored(False),
            "MHS607CodedScoreAssessmentAct": scored(True)}


def _write_csv(path: Path, header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
               ) -> tuple[int, str]:
    count = 0
    path.touch(mode=0o600)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count, hashlib.sha256(path.read_bytes()).hexdigest()


def write_monthly_return(
    session: UserSession, period: Period, out_dir: Path, *,
    site_ids: Iterable[uuid.UUID] | None = None, confirm_problems: bool = False,
    quality: DataQualityReport | None = None, mapping: CodeMapping | None = None,
) -> MonthlyReturn:
    """Write the return for ``period`` into ``out_dir/<name>/``. Refuses (and writes
    nothing) when the data-quality report is not clean and ``confirm_problems`` is false."""
    session.require(Permission.PRODUCE_RETURNS)
    f = report_filter(session, period, site_ids)
    report = quality or data_quality(session, period, f.site_ids)
    if not report.is_clean and not confirm_problems:
        raise ReturnNotConfirmed(report)
    if not out_dir.is_dir():
        raise ValueError(f"{out_dir} is not a folder: create it first, or choose another.")
    name = f"mhsds-return-{period.start:%Y-%m}"
    final = out_dir / name
    if final.exists():
        raise ValueError(f"{final} already exists: move it away, or choose another folder.")
    staging = out_dir / f".{name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir(mode=0o700)              # the MPI table names people: owner only
    codes = CodeUse(mapping or default_mapping())
    files: list[ReturnFile] = []
    try:
        with session.store.reading() as db:
            widen_page_cache(db)
            names = site_names(db, f.site_ids)
            for table, rows in _tables(db, f, codes, _pseudonymiser(session)).items():
                count, digest = _write_csv(staging / f"{table}.csv", TABLES[table], rows)
                files.append(ReturnFile(table, f"{table}.csv", count, digest))
        manifest = _manifest(session, period, sorted(names.values()), files, codes, report)
        (staging / MANIFEST).touch(mode=0o600)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with session.store.unit_of_work(session.user.username) as uow:
        uow.audit("export", detail={
            "format": "mhsds-monthly-return", "month": f"{period.start:%Y-%m}",
            "sites": sorted(str(s) for s in f.site_ids), "folder": final.name,
            "rows": {x.table: x.rows for x in files},
            "data_quality_problems": report.problem_count,
            "confirmed_despite_problems": bool(confirm_problems and not report.is_clean)})
    return MonthlyReturn(final, period, tuple(files), manifest)


def _manifest(session: UserSession, period: Period, sites: list[str],
              files: list[ReturnFile], codes: CodeUse, report: DataQualityReport
              ) -> dict[str, Any]:
    return {
        "return": "Liaison and Diversion monthly extract aligned with MHSDS tables",
        "period": {"month": f"{period.start:%Y-%m}", "start": period.start.isoformat(),
                   "end_exclusive": period.end.isoformat()},
        "service": session.service_name, "sites": sites,
        "generated_by": {"username": session.user.username,
                         "name": session.user.display_name},
        "generated_at": session.now().isoformat(), "device": session.device_id,
        "files": [{"table": x.table, "file": x.name, "rows": x.rows, "sha256": x.sha256}
                  for x in files],
        "pseudonymisation": "PersonPseudonym is HMAC-SHA-256 of the person id under a key "
                            "derived from this workstation's data key; NHS numbers appear "
                            "only in MHS001MPI.",
        "codes": {"mapping_file": "resources/codes/mhsds.json",
                  "mapping_sha256": codes.mapping.sha256, "used": codes.summary()},
        "data_quality": {"clean": report.is_clean, "problems": report.problem_count,
                         "by_check": {c.code: c.count for c in report.checks if c.count}},
    }
