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
from ld_desktop.services.workstation import Workstation
from ld_desktop.ui.theme import apply_theme

PAGES = ("caseload", "cases", "people", "person", "case", "screening", "share", "sync",
         "handover", "conflicts", "rota")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ld-desktop", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="the workstation store to open")
    parser.add_argument("--demo", action="store_true",
                        help="a temporary store of obviously fictional data")
    parser.add_argument("--screenshot", type=Path, help="render a page to PNG and exit")
    parser.add_argument("--page", choices=PAGES, default="caseload")
    parser.add_argument("--high-contrast", action="store_true")
    parser.add_argument("--font-scale", type=float, default=1.0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.screenshot and not args.demo:
        print("ld-desktop: --screenshot needs --demo (it never shows real data).",
              file=sys.stderr)
        return 2
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from ld_desktop.ui.gui_thread_gc import GuiThreadCollector

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
    configure_logging(folder)
    from ld_desktop.ui.display_settings import load_prefs

    prefs = load_prefs(folder)   # the workstation's choice; the command line can override it
    apply_theme(app, high_contrast=args.high_contrast or prefs.high_contrast,
                font_scale=args.font_scale if args.font_scale != 1.0 else prefs.font_scale)
    try:
        return _run(app, args, folder, demo_hint, banner)
    finally:
        if demo is not None:   # the demo has ended: its store goes with it
            from ld_desktop.services.demo_setup import remove_demo_store

            remove_demo_store(demo)


def _run(app: QApplication, args: argparse.Namespace, folder: Path, demo_hint: str | None,
         banner: str | None) -> int:
    from ld_desktop.ui.main_window import MainWindow

    workstation = Workstation(folder)
    if not workstation.is_initialised:
        from ld_desktop.ui.first_run import FirstRunDialog

        setup = FirstRunDialog(workstation)
        if not setup.exec():
            return 0
    window = MainWindow(workstation, demo_hint=demo_hint, banner=banner)
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
    from ld_desktop.ui.screenshot_stage import grab_with_dialogs, stage

    stage(window, session, page)
    pool = QThreadPool.globalInstance()
    for _ in range(30):   # let background loads finish (at most 3 s), then let the views paint
        settle = QEventLoop()   # not app.quit(): in Qt 6 that closes every window, dialogs too
        QTimer.singleShot(100, settle.quit)
        settle.exec()
        if pool.activeThreadCount() == 0:
            break
    settle = QEventLoop()
    QTimer.singleShot(200, settle.quit)
    settle.exec()
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = grab_with_dialogs(window).save(str(path))
    window.lock("screenshot taken")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
