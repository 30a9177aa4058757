"""Run many background operations in a process of its own, as the app does under load, and
print "ok <count>" if the process survives. Used by test_operations_relay.py.

Every operation is made and forgotten by its caller, so what keeps its parts alive is only
the operations module and the worker: whichever thread lets go last releases them. One owner
in three is deleted while its operation runs. With the earlier design (a QObject relay per
operation, held by the task) that relay was sometimes released on the worker thread, or
inside its own signal, and the process died with a segmentation fault.

    python tests/ui/operations_stress_child.py ROUNDS [OPERATIONS_MODULE_FILE]

The optional file is loaded in place of ``ld_desktop.ui.operations`` (to run an older copy).
Like the app, it imports ``ld_desktop.ui`` (whose start makes None, True and False immortal,
see ld_desktop/ui/immortal_singletons.py) before any PySide6 call.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import time
from types import ModuleType


def _operations(path: str | None) -> ModuleType:
    if path is None:
        return importlib.import_module("ld_desktop.ui.operations")
    spec = importlib.util.spec_from_file_location("operations_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    importlib.import_module("ld_desktop.ui")   # first, as in the app
    from PySide6.QtWidgets import QApplication, QWidget

    rounds = int(argv[1])
    ops = _operations(argv[2] if len(argv) > 2 else None)
    from ld_desktop.ui.gui_thread_gc import GuiThreadCollector

    app = QApplication.instance() or QApplication([])
    collector = GuiThreadCollector(app, interval_ms=50)   # as the app: GC on the GUI thread
    collector.start()
    delivered = 0

    def seen(_value: object) -> None:
        nonlocal delivered
        delivered += 1

    def work(n: int) -> int:
        if n % 3 == 0:
            time.sleep(0)               # let the GUI thread run between emit and return
        return sum(range(n % 50))

    started = 0
    for round_number in range(rounds):
        owners = [QWidget() for _ in range(8)]
        for n in range(64):
            owner = owners[n % len(owners)]
            ops.Operation(owner, lambda n=n: work(n)).success(seen).failure(seen).run()
            started += 1
            if n % 16 == 0:
                app.processEvents()
        for gone in owners[::3]:
            gone.deleteLater()
        deadline = time.monotonic() + 20
        while ops.in_flight() and time.monotonic() < deadline:
            app.processEvents()
        if ops.in_flight():
            print(f"stuck after round {round_number}: {ops.in_flight()} in flight", flush=True)
            return 1
        for owner in owners:
            owner.deleteLater()
        app.processEvents()
        collector.check()
    print(f"ok {started} {delivered}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
