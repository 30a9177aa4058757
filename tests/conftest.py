"""Test-wide configuration: offscreen Qt, private data directories, automatic markers."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

GUI_FIXTURES = {"qtbot", "qapp", "qtmodeltester"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is alive once every test module is imported (some 160,000 objects: pytest,
    hypothesis, schemathesis, FastAPI, Qt, SQLAlchemy) lives for the whole run, so it is moved
    out of the collector's sight (``gc.freeze``) after one last full collection. Without
    this each full collection walks all of it: 0.38 s at every GUI test's teardown."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """GUI tests collect garbage on the GUI thread only, as the app does
    (ld_desktop/ui/gui_thread_gc.py): a worker thread must never free Qt objects.

    What survives the collector's last full collection (``stop``) was reachable then: it is
    frozen too, so the next test's collection walks only what that test made (0.03-0.08 s
    rather than 0.15-0.4 s). Garbage is never frozen, so an unclosed resource still warns
    in the test that left it."""
    if not GUI_FIXTURES & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("qapp")
    from ld_desktop.ui.gui_thread_gc import GuiThreadCollector

    collector = GuiThreadCollector()
    collector.start()
    try:
        yield
    finally:
        collector.stop()
        gc.freeze()


@pytest.fixture(autouse=True)
def _private_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point every user directory at a fresh temporary folder (napari `_fresh_settings`)."""
    home = tmp_path_factory.mktemp("ld-home")
    monkeypatch.setenv("LD_DESKTOP_HOME", str(home))
    monkeypatch.setenv("LD_SYNC_SERVER_HOME", str(home / "sync-server"))
    # never the real user's documents or training folder (which parallel workers would share);
    # beside the store's folder, as the app keeps them
    monkeypatch.setenv("LD_DESKTOP_TRAINING_HOME", str(home.with_name(home.name + "-training")))
    monkeypatch.setenv("LD_DESKTOP_EXPORTS", str(home.with_name(home.name + "-exports")))
    return home


def load_asgi_bridge() -> type:
    """The sync tests' ASGI bridge (a synchronous httpx transport over the real ASGI app),
    loaded by path: tests/sync is not a package."""
    import importlib.util
    import sys

    name = "ld_tests_asgi_bridge"
    if name not in sys.modules:
        path = Path(__file__).resolve().parent / "sync" / "asgi_bridge.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    bridge: type = sys.modules[name].ASGIBridge
    return bridge


@pytest.fixture(scope="session")
def asgi_bridge_class() -> type:
    return load_asgi_bridge()


pytest_plugins = ["tests.helpers.logfail", "tests.helpers.gui_thread_store"]
