"""A small real store for the GUI tests: three roles and some fictional cases."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ld_desktop.domain.roles import Role
from ld_desktop.services.demo_setup import DEMO_ACCOUNTS, create_demo_store
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.clinical.case_page import CasePage
from ld_desktop.ui.clinical.screening_wizard import ScreeningWizard
from ld_desktop.ui.main_window import MainWindow
from tests.helpers import case_page
from tests.helpers.gates import Gate
from tests.helpers.gui_thread_store import check_gui_thread_store
from tests.helpers.shown_window import shown_window

# ------------------------------------------------------- store use on the GUI thread (#18)
#: the UI places that may still use the store on the GUI thread, and why. Every other place
#: seen doing so during a test here fails that test at teardown (``_store_off_gui_thread``).
ALLOWED: dict[str, str] = {
    # the lock: what must finish before the screen hides, with the key still there
    "ui/main_window.py:lock":
        "the lock audits itself and drops the key (session.lock) after the work in flight "
        "has settled; it must finish before the unlock screen shows, so the GUI thread does "
        "it (a worker would only make the GUI thread wait for it)",
    "ui/first_run.py:lock_and_hand_over":
        "the first run ends by locking (session.lock: audit, then the key goes) before the "
        "dialog closes and the unlock screen shows, as the main window's lock does",
    "ui/first_run.py:_abandon":
        "the first run closed part-way locks the administrator's session (session.lock: "
        "audit, then the key goes) before the dialog closes, as the hand-over does",
    # tools, not the application's windows
    "ui/self_test.py": "the installer's self test checks the store in one go, no window",
    "ui/screenshot_stage.py": "the screenshot tool seeds and stages a demo store for a PNG",
    "ui/app.py": "start-up (creating the demo store, the first-run check) before any window",
}


@pytest.fixture(autouse=True)
def _store_off_gui_thread(request: pytest.FixtureRequest,
                          monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test here is watched: store use on the GUI thread from UI code at a place not in
    ``ALLOWED`` fails it. A test opts out with ``@pytest.mark.gui_thread_store(reason=...)``."""
    yield from check_gui_thread_store(request, monkeypatch, ALLOWED)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, made once a run (3.4 s at load 10 on 30/11); never opened itself."""
    folder = tmp_path_factory.mktemp("ui-demo-template") / "store"
    return create_demo_store(cases=40, folder=folder).data_dir


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """Each module's own copy of the demo store (closed, so its files are the whole of it:
    database, key slots, audit anchor), as if made afresh."""
    folder = tmp_path_factory.mktemp("ui-store") / "store"
    shutil.copytree(demo_template, folder)
    return folder


@pytest.fixture
def accounts() -> dict[str, str]:
    return {name: passphrase for name, (_role, passphrase) in DEMO_ACCOUNTS.items()}


@pytest.fixture
def senior_window(qtbot, demo_dir: Path, accounts: dict[str, str]  # type: ignore[no-untyped-def]
                  ) -> Iterator[MainWindow]:
    """The main window on the demo store, unlocked as demo.senior, shown, active and
    focused (keys go to it); locked at the end."""
    session = Workstation(demo_dir).unlock("demo.senior", accounts["demo.senior"])
    with shown_window(qtbot, Workstation(demo_dir), banner="DEMO", session=session) as win:
        yield win


@pytest.fixture
def window(senior_window: MainWindow) -> MainWindow:
    """``senior_window`` by the name most GUI tests give it; a module whose tests need
    another window (locked, another user, another store) defines its own ``window``."""
    return senior_window


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Background work held until the test opens the gate, or a lock starts waiting for it
    (``tests/helpers/gates.py``); opened at the end, so no worker is left waiting."""
    held = Gate()
    held.open_when_the_lock_waits(monkeypatch)
    yield held
    held.open()
    assert not held.timed_out, "work waited out the gate: something waited for it shut"


@pytest.fixture
def one_site_senior(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UserSession]:
    """A fresh one-site store (Northgate Custody Suite) and its senior, unlocked."""
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], "admin1", "admin passphrase x")
    admin = ws.unlock("admin1", "admin passphrase x")
    admin.accounts.add_user("senior1", Role.SENIOR, "senior passphrase x")
    admin.lock()
    senior = ws.unlock("senior1", "senior passphrase x")
    yield senior
    senior.lock()



# ---------------------------------------------------------------------------- the case page
@pytest.fixture
def case_settled(qtbot) -> Callable[[CasePage], CasePage]:  # type: ignore[no-untyped-def]
    """``case_settled(page)``: the page once its load has landed."""
    return lambda page: case_page.case_settled(qtbot, page)


@pytest.fixture
def open_case(qtbot) -> Callable[[MainWindow, uuid.UUID], CasePage]:  # type: ignore[no-untyped-def]
    """``open_case(window, case_id)``: the case opened in ``window``, loaded."""
    return lambda window, case_id: case_page.open_case(qtbot, window, case_id)


@pytest.fixture
def wizard_of(qtbot) -> Callable[[CasePage], ScreeningWizard]:  # type: ignore[no-untyped-def]
    """``wizard_of(page)``: the screening wizard once it is open."""
    return lambda page: case_page.wizard_of(qtbot, page)
