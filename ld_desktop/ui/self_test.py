"""`ld-desktop --self-test`: prove an installed copy (a PyInstaller bundle above all) works.

Headless and self-contained, in a temporary folder that is removed afterwards:

1. opens a new encrypted store (SQLCipher, key slots, every migration) with fictional data,
   and verifies its audit chain;
2. scores an instrument (PHQ-9) from the shipped definitions;
3. renders a PDF through Qt's PDF writer with the bundled fonts;
4. starts an embedded sync server on loopback, enrols the workstation and syncs once, and
   checks the server holds every change.

Each step prints one line with its time; the first failure stops the test with exit 1 and
says which step failed. Nothing here touches a real store or a real server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

SELF_TEST_SITES = ["Self-test Custody Suite (fictional)"]
_ADMIN = ("selftest.admin", "self-test admin passphrase, never a real one")


class SelfTestFailed(RuntimeError):
    pass


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailed(message)


def _store(folder: Path) -> str:
    from ld_desktop.services.demo_data import seed_demo_cases
    from ld_desktop.services.workstation import Workstation

    workstation = Workstation(folder)
    workstation.initialise("Self-test service (fictional)", SELF_TEST_SITES, _ADMIN[0],
                           _ADMIN[1], "Self-test Administrator")
    session = workstation.unlock(*_ADMIN)
    try:
        made = seed_demo_cases(session, 5)
        report = session.maintenance.verify()
    finally:
        session.lock("self-test")
    _check(made == 5, f"seeded {made} cases, expected 5")
    _check(report.healthy, "store not healthy: "
           + "; ".join(report.database_problems + report.audit_problems))
    return f"store opened, migrated, {made} fictional cases written, audit chain intact"


def _instrument(_: Path) -> str:
    from ld_desktop.domain.instruments.scoring import evaluate
    from ld_desktop.services.instrument_library import InstrumentLibrary

    definition = InstrumentLibrary.load().get("phq9")
    answers = {f"phq9.{n}": 2 for n in range(1, 10)}   # item 10 (difficulty) is not scored
    result = evaluate(definition, answers)
    total = result.scores["total"].value
    _check(total == 18, f"PHQ-9 of nine 2s scored {total}, expected 18")
    return f"PHQ-9 scored: total {total:g}, {len(result.flags)} flag(s)"


def _pdf(folder: Path) -> str:
    from ld_desktop.ui.pdf.writer import facts_table, write_pdf

    path = write_pdf("<h1>L&amp;D Desktop self-test</h1>"
                     + facts_table([("Person", "FICTIONAL, Selftest"), ("Purpose", "self-test")]),
                     folder / "self-test.pdf", "Self-test")
    data = path.read_bytes()
    _check(data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], "the PDF is not complete")
    return f"PDF rendered ({len(data):,} bytes)"


def _sync(folder: Path) -> str:
    from ld_desktop.services.service_authority import AuthorityService
    from ld_desktop.services.sync_service import SyncService
    from ld_desktop.services.workstation import Workstation
    from sync.server import ServerSettings
    from sync.server.authority import issue_admin_code
    from sync.server.database import make_engine, migrate
    from sync.server.embedded import embedded_server
    from sync.server.registry import issue_enrol_code

    settings = ServerSettings.for_data_dir(folder / "server")
    with embedded_server(settings) as url:
        engine = make_engine(settings.database_url)
        migrate(engine)
        code = issue_enrol_code(engine, SELF_TEST_SITES, expires_minutes=5)
        admin_code = issue_admin_code(engine, expires_minutes=5)
        engine.dispose()
        session = Workstation(folder / "workstation").unlock(*_ADMIN)
        try:
            service = SyncService(session)
            service.enrol(url, code, "self-test workstation")
            # the first administrator's key, without which staff and sites are refused
            AuthorityService(session).register_first_admin(admin_code)
            report = service.sync()
            status = service.status()
        finally:
            session.lock("self-test")
    _check(report.pushed > 0, "the sync pushed nothing")
    _check(status.pending_ops == 0,
           f"{status.pending_ops} change(s) still waiting after the sync")
    return f"embedded server on loopback: enrolled, {report.pushed} changes pushed, 0 waiting"


STEPS: list[tuple[str, Callable[[Path], str]]] = [
    ("store", lambda folder: _store(folder / "workstation")),
    ("instrument", _instrument),
    ("pdf", _pdf),
    ("sync", _sync),
]


def run_self_test(out: TextIO) -> int:
    """Run every step in a temporary folder; 0 when all pass, 1 at the first failure."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["ld-desktop", "--self-test"])
    kdf_profile = os.environ.get("LD_DESKTOP_KDF_PROFILE")
    os.environ["LD_DESKTOP_KDF_PROFILE"] = "fast"   # a throwaway store: quick key derivation
    folder = Path(tempfile.mkdtemp(prefix="ld-desktop-self-test-"))
    started = time.perf_counter()
    try:
        for name, step in STEPS:
            begun = time.perf_counter()
            try:
                said = step(folder)
            except Exception as error:
                print(f"self-test FAILED at {name}: {error}", file=out)
                traceback.print_exc(file=out)
                return 1
            print(f"self-test {name:10} ok  {time.perf_counter() - begun:6.2f} s  {said}",
                  file=out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if kdf_profile is None:
            os.environ.pop("LD_DESKTOP_KDF_PROFILE", None)
        else:
            os.environ["LD_DESKTOP_KDF_PROFILE"] = kdf_profile
        del app
    print(f"self-test passed in {time.perf_counter() - started:.1f} s", file=out)
    return 0
