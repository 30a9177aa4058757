"""First run as a guided path, without a window (issue 19): create, recovery, first clinical
user, enrol or skip, lock and hand over. The enrolment goes to a real in-process server."""

from __future__ import annotations

from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.errors import WeakPassphrase
from ld_desktop.services.first_run_flow import FirstRunFlow, Step, WrongStep
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.workstation import Workstation

from .conftest import SERVER_URL, SITES, SyncServer

ADMIN_PASS = "admin passphrase for first run tests"
NURSE_PASS = "practitioner passphrase for first run tests"


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


def _created(tmp_path: Path, server: SyncServer | None = None) -> tuple[Workstation, FirstRunFlow]:
    workstation = Workstation(tmp_path / "ws")
    factory = (lambda s: SyncService(s, transport=server.transport)) if server else None
    flow = FirstRunFlow(workstation, factory)
    flow.create_store("Testshire L&D", "\n".join(SITES) + "\n\n", " setup.admin ",
                      ADMIN_PASS, ADMIN_PASS)
    return workstation, flow


def test_the_whole_path_to_a_locked_handed_over_workstation(
        tmp_path: Path, sync_server: SyncServer) -> None:
    workstation, flow = _created(tmp_path, sync_server)
    assert flow.step is Step.RECOVERY
    assert flow.session is not None
    assert not flow.session.is_locked
    sheet = dict(flow.recovery_sheet())
    code = sheet["Recovery code"]
    assert code
    assert sheet["Sites"] == ", ".join(SITES)
    with pytest.raises(ValueError, match="shown only once"):
        flow.confirm_recovery_stored(False)
    flow.confirm_recovery_stored(True)
    assert flow.recovery_code is None
    assert flow.step is Step.FIRST_USER

    with pytest.raises(ValueError, match="practitioner or senior"):
        flow.add_first_user("second.admin", "", Role.ADMIN, NURSE_PASS, NURSE_PASS)
    with pytest.raises(ValueError, match="do not match"):
        flow.add_first_user("nurse1", "", Role.PRACTITIONER, NURSE_PASS, NURSE_PASS + "x")
    flow.add_first_user("nurse1", "Nurse One", Role.PRACTITIONER, NURSE_PASS, NURSE_PASS)
    flow.first_user_done()

    with pytest.raises(ValueError, match="skip"):
        flow.enrol("", "")
    status = flow.enrol(SERVER_URL, sync_server.code(SITES))
    assert status.enrolled
    assert flow.step is Step.HANDOVER
    lines = flow.summary().lines
    assert "Clinical accounts: nurse1 (Practitioner)" in lines
    assert any(line.startswith("Enrolled with") for line in lines)

    session = flow.session
    flow.lock_and_hand_over()
    assert flow.step is Step.DONE
    assert session.is_locked
    nurse = workstation.unlock("nurse1", NURSE_PASS)     # the next person unlocks as themselves
    assert nurse.user.role is Role.PRACTITIONER
    nurse.lock()
    # The recovery code printed on the sheet really opens the store.
    workstation.recover("setup.admin", code, "a new admin passphrase after recovery")
    workstation.unlock("setup.admin", "a new admin passphrase after recovery").lock()


def test_mismatched_passphrases_create_nothing(tmp_path: Path) -> None:
    workstation = Workstation(tmp_path / "ws")
    flow = FirstRunFlow(workstation)
    with pytest.raises(ValueError, match="do not match"):
        flow.create_store("Testshire L&D", SITES[0], "setup.admin", ADMIN_PASS, "different")
    assert not workstation.is_initialised
    assert flow.step is Step.STORE
    assert flow.session is None


def test_skipping_says_plainly_what_is_missing(tmp_path: Path) -> None:
    _, flow = _created(tmp_path)
    flow.confirm_recovery_stored(True)
    flow.first_user_done()
    flow.skip_enrol()
    lines = flow.summary().lines
    assert any("nobody can see or record clinical work" in line for line in lines)
    assert any(line.startswith("Not enrolled") for line in lines)
    flow.lock_and_hand_over()


def test_steps_cannot_be_taken_out_of_order(tmp_path: Path) -> None:
    flow = FirstRunFlow(Workstation(tmp_path / "ws"))
    with pytest.raises(WrongStep):
        flow.skip_enrol()
    _, flow = _created(tmp_path)
    with pytest.raises(WrongStep):
        flow.add_first_user("nurse1", "", Role.PRACTITIONER, NURSE_PASS, NURSE_PASS)
    with pytest.raises(WrongStep):
        flow.lock_and_hand_over()
    flow.abandon()                       # closing part-way locks the administrator's session
    assert flow.session is None


def test_a_weak_first_user_passphrase_keeps_the_step_open(tmp_path: Path) -> None:
    _, flow = _created(tmp_path)
    flow.confirm_recovery_stored(True)
    with pytest.raises(WeakPassphrase):
        flow.add_first_user("nurse1", "", Role.PRACTITIONER, "short", "short")
    assert flow.step is Step.FIRST_USER
    flow.abandon()
