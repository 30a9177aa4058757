"""A licensed service's own instrument definition is recorded in the store, audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ld_desktop.services.errors import PermissionDenied, WrongPassphrase
from ld_desktop.services.instrument_imports import InstrumentImports, record_imported_instrument

if TYPE_CHECKING:
    from tests.clinical.conftest import Clinic

DEFINITION = {"id": "lic-demo", "version": "1.0", "title": "Licensed demo (fictional)"}


def test_admin_records_a_definition_and_reimport_replaces_it(clinic: Clinic) -> None:
    data_dir = clinic.workstation.data_dir
    first = record_imported_instrument(data_dir, "admin1", "admin passphrase for tests",
                                       DEFINITION)
    again = record_imported_instrument(data_dir, "admin1", "admin passphrase for tests",
                                       {**DEFINITION, "title": "Revised"})
    assert first.id == again.id
    admin = clinic.workstation.unlock("admin1", "admin passphrase for tests")
    [stored] = InstrumentImports(admin).all()
    assert stored.definition["title"] == "Revised"
    assert [e.action for e in admin.maintenance.audit_trail()].count("instrument-imported") == 2
    admin.lock()


def test_practitioners_cannot_import_and_wrong_passphrase_is_refused(clinic: Clinic) -> None:
    with pytest.raises(PermissionDenied):
        InstrumentImports(clinic.session).record(DEFINITION)
    with pytest.raises(WrongPassphrase):
        record_imported_instrument(clinic.workstation.data_dir, "admin1", "not the passphrase",
                                   DEFINITION)


def test_an_import_recorded_before_a_stricter_rule_is_set_aside_not_fatal(clinic: Clinic
                                                                         ) -> None:
    """A K10 imported before pro-rating rules had to cite their source: the library still
    loads, says why that import is not used, and the shipped K10 is used instead."""
    import json

    from ld_desktop.services.instrument_library import instruments_dir
    old = json.loads((instruments_dir() / "k10.json").read_text("utf-8"))
    old["version"] = "0.9-local"
    del old["scores"][0]["prorate_source"]
    record_imported_instrument(clinic.workstation.data_dir, "admin1",
                               "admin passphrase for tests", old)
    library = clinic.session.screenings.library()
    assert library.get("k10").version == "1.0"
    (problem,) = library.problems
    assert "imported k10" in problem
    assert "prorate_source" in problem
    assert "re-import" in problem
