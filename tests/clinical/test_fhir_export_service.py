"""FHIR export of a case's signed-off screenings: only signed-off ones, audited as an export,
reachable from ld-admin fhir export --case ID (issue 15 item 5)."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fhir.resources.R4B.bundle import Bundle

from ld_desktop.cli.admin import main
from ld_desktop.domain.instruments.fhir import NHS_NUMBER_SYSTEM, NotExportable
from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.clinical.fhir_export import FhirExportService
from ld_desktop.services.persons import PersonDraft

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic

PHQ = {f"phq9.{n}": 2 for n in range(1, 11)}


def _signed_case(clinic: Clinic) -> tuple[object, object]:
    s = clinic.session
    site = s.sites[0].id
    person = s.persons.register(PersonDraft("Fictiona", "Exampleton", date(1990, 5, 6),
                                            gender="female", nhs_number="943 476 5919"), site)
    case = s.cases.new_referral(ReferralDraft(person.id, site, "custody-sergeant", "arrested",
                                              custody_record_number="T/9"))
    draft = s.screenings.start(case.id, "phq9", "1.0")
    done = s.screenings.complete(draft.id, PHQ, {"title": "PHQ-9"})
    signed = s.screenings.sign_off(done.id)
    pending = s.screenings.start(case.id, "gad7", "1.0")
    s.screenings.complete(pending.id, {f"gad7.{n}": 1 for n in range(1, 9)}, {})
    return case.id, signed.id


def test_export_is_a_valid_bundle_of_signed_off_screenings_and_audited(clinic: Clinic
                                                                       ) -> None:
    case_id, screening_id = _signed_case(clinic)
    bundle = FhirExportService(clinic.session).export_case(case_id)   # type: ignore[arg-type]
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "Questionnaire", "QuestionnaireResponse", "Observation"]
    patient = bundle["entry"][0]["resource"]
    assert patient["identifier"][0]["system"] == NHS_NUMBER_SYSTEM
    assert patient["identifier"][0]["value"] == "9434765919"
    assert bundle["entry"][2]["resource"]["status"] == "completed"
    assert bundle["entry"][3]["resource"]["valueQuantity"]["value"] == 18
    admin = clinic.workstation.unlock("admin1", "admin passphrase for tests")
    [event] = [e for e in admin.maintenance.audit_trail(case_id) if e.action == "export"]
    admin.lock()
    assert event.user == "prac1"
    assert event.detail["format"] == "fhir-r4-bundle"
    assert event.detail["screenings"] == [str(screening_id)]


def test_unsigned_screening_is_not_exported(clinic: Clinic) -> None:
    s = clinic.session
    draft = s.screenings.start(clinic.adult_case.id, "gad7", "1.0")
    with pytest.raises(NotExportable, match="signed-off"):
        FhirExportService(s).export_case(clinic.adult_case.id, draft.id)
    with pytest.raises(NotExportable, match="no signed-off screening"):
        FhirExportService(s).export_case(clinic.adult_case.id)


def test_cli_fhir_export(clinic: Clinic, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    case_id, _ = _signed_case(clinic)
    clinic.session.lock()
    store = str(clinic.workstation.data_dir)
    monkeypatch.setattr(sys, "stdin", io.StringIO("practitioner passphrase here\n"))
    code = main(["fhir", "export", "--case", str(case_id), "--data-dir", store,
                 "--as", "prac1", "--passphrase-stdin"])
    out = capsys.readouterr()
    assert code == 0, out.err
    Bundle.model_validate(json.loads(out.out))
    monkeypatch.setattr(sys, "stdin", io.StringIO("practitioner passphrase here\n"))
    code = main(["fhir", "export", "--case", "not-a-uuid", "--data-dir", store,
                 "--as", "prac1", "--passphrase-stdin"])
    assert code == 2
    assert "not a record id" in capsys.readouterr().err
    clinic.session = clinic.workstation.unlock("prac1", "practitioner passphrase here")


def test_stop_needs_a_reason_and_keeps_it_on_the_result(clinic: Clinic) -> None:
    s = clinic.session
    draft = s.screenings.start(clinic.adult_case.id, "gad7", "1.0")
    with pytest.raises(ValueError, match="Say why"):
        s.screenings.stop(draft.id, {"gad7.1": 3}, {}, "  ")
    assert s.screenings.drafts(clinic.adult_case.id)[0].id == draft.id   # nothing lost
    view = s.screenings.stop(draft.id, {"gad7.1": 3}, {"complete": False}, "Taken to interview")
    assert view.state == "completed"
    assert view.result["stopped_reason"] == "Taken to interview"
