"""ld-desktop: the application entry point.

    ld-desktop [--data-dir DIR] [--demo] [--screenshot PATH [--page NAME]]
               [--high-contrast] [--font-scale F]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEventLoop, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from ld_desktop.logging_setup import configure_logging
from ld_desktop.paths import data_dir
from ld_desktop.services.training import is_training_folder
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.theme import apply_theme


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ld-desktop", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="the workstation store to open")
    parser.add_argument("--demo", action="store_true",
                        help="a temporary store of obviously fictional data")
    parser.add_argument("--training", action="store_true",
                        help="the training workstation: fictional scenarios with step-by-step "
                             "cards, in its own store (never the live one)")
    parser.add_argument("--screenshot", type=Path, help="render a page to PNG and exit")
    parser.add_argument("--page", default="caseload",
                        help="what --screenshot renders (python -m ld_desktop.ui.screenshot_stage "
                             "lists the names)")
    parser.add_argument("--high-contrast", action="store_true")
    parser.add_argument("--font-scale", type=float, default=1.0)
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation headless (store, instrument, PDF, "
                             "sync on loopback) and exit 0 if it works")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.screenshot and not args.demo:
        print("ld-desktop: --screenshot needs --demo (it never shows real data).",
              file=sys.stderr)
        return 2
    if args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ld_desktop.ui.self_test import run_self_test

        if sys.stdout is not None:
            return run_self_test(sys.stdout)
        # A windowed Windows build has no console: the report goes to a file beside the temp.
        import tempfile

        report = Path(tempfile.gettempdir()) / "ld-desktop-self-test.txt"
        with report.open("w", encoding="utf-8") as out:
            return run_self_test(out)
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ld_desktop.ui.screenshot_stage import stages

        if args.page not in stages():
            print(f"ld-desktop: --page {args.page!r} is not one of: {', '.join(stages())}",
                  file=sys.stderr)
            return 2
    elif QApplication.instance() is None:
        # Qt aborts the process when its window plugin cannot load; say why and stop instead.
        from ld_desktop.system_libraries import main as check_system_libraries

        status = check_system_libraries([])
        if status:
            return status
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from ld_desktop.ui.error_window import ErrorWindow
    from ld_desktop.ui.gui_thread_gc import GuiThreadCollector

    ErrorWindow(app.activeWindow).install()   # nothing uncaught is silent or a crash

    collector = GuiThreadCollector(app)   # cyclic GC only on the GUI thread
    collector.start()

    from ld_desktop.services.demo_setup import remove_stale_demo_stores

    remove_stale_demo_stores()   # demos that crashed or were killed leave nothing for long
    demo_hint = banner = None
    demo = None
    if args.demo:
        from ld_desktop.services.demo_setup import create_demo_store

        demo = create_demo_store()
        folder = demo.data_dir
        demo_hint = "Demo accounts (fictional data):\n" + "\n".join(
            f"  {name}  /  {passphrase}  ({role.label})"
            for name, (role, passphrase) in demo.accounts.items())
        banner = "DEMO — fictional data. Nothing here is about a real person."
    else:
        folder = data_dir(args.data_dir)
    training_folder = None
    if args.training or (not args.demo and is_training_folder(folder)):
        from ld_desktop.services import training

        if args.training and not args.data_dir:
            folder = training.default_training_dir()
        if not Workstation(folder).is_initialised:
            training.create_training_store(folder)
        elif not training.is_training_folder(folder):
            print(f"ld-desktop: {folder} holds a live store; --training never opens one.",
                  file=sys.stderr)
            return 2
        demo_hint, banner = training.accounts_hint(), training.BANNER
        os.environ["LD_DESKTOP_KDF_PROFILE"] = "fast"
        training_folder = folder
    configure_logging(folder)
    from ld_desktop.ui.display_settings import load_prefs

    prefs = load_prefs(folder)   # the workstation's choice; the command line can override it
    apply_theme(app, high_contrast=args.high_contrast or prefs.high_contrast,
                font_scale=args.font_scale if args.font_scale != 1.0 else prefs.font_scale)
    try:
        return _run(app, args, folder, demo_hint, banner, training_folder)
    finally:
        if demo is not None:   # the demo has ended: its store goes with it
            from ld_desktop.services.demo_setup import remove_demo_store

            remove_demo_store(demo)


def _run(app: QApplication, args: argparse.Namespace, folder: Path, demo_hint: str | None,
         banner: str | None, training_folder: Path | None) -> int:
    from ld_desktop.ui.main_window import MainWindow

    workstation = Workstation(folder)
    if not workstation.is_initialised:
        from ld_desktop.ui.first_run import FirstRunDialog

        FirstRunDialog(workstation).exec()
        if not workstation.is_initialised:   # closed before the store was created
            return 0
    window = MainWindow(workstation, demo_hint=demo_hint, banner=banner)
    if training_folder is not None:
        from ld_desktop.ui.training_mode import TrainingMode

        window.training_mode = TrainingMode(window, training_folder)  # type: ignore[attr-defined]
    if args.screenshot:
        return _screenshot(app, window, workstation, args.screenshot, args.page)
    window.show()
    from ld_desktop.ui.main_window import preload

    threading.Thread(target=preload, name="preload", daemon=True).start()
    try:
        return app.exec()
    finally:
        window.lock("application closed")


def _screenshot(app: QApplication, window: object, workstation: Workstation, path: Path,
                page: str) -> int:
    from ld_desktop.services.demo_setup import DEMO_ACCOUNTS
    from ld_desktop.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    session = workstation.unlock("demo.senior", DEMO_ACCOUNTS["demo.senior"][1])
    window.start_session(session)
    window.show()
    from ld_desktop.ui import operations
    from ld_desktop.ui.screenshot_stage import grab_with_dialogs, stage

    stage(window, session, page)
    pool = QThreadPool.globalInstance()
    for _ in range(100):  # let background loads finish (at most 10 s), then let the views paint
        settle = QEventLoop()   # not app.quit(): in Qt 6 that closes every window, dialogs too
        QTimer.singleShot(100, settle.quit)
        settle.exec()
        if pool.activeThreadCount() == 0 and operations.in_flight() == 0:
            break
    settle = QEventLoop()
    QTimer.singleShot(200, settle.quit)
    settle.exec()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = grab_with_dialogs(window).save(str(path))
    window.lock("screenshot taken")
    window.close()   # run in-process (a test), the window would stay on screen after the shot
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
