"""The watch that every test here runs under (``tests/ui/conftest.py``) cannot pass by
seeing nothing: a service called on the GUI thread from UI code fails the test at teardown,
the same call on a worker or from the test's own code does not, an allowed place does not,
and an opt-out must say why."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from ld_desktop.services.session import UserSession
from ld_desktop.ui.main_window import opening_reads
from tests.helpers.gui_thread_store import check_gui_thread_store, opt_out_reason
from tests.ui.conftest import ALLOWED

ON_PURPOSE = "calls the store on the GUI thread from UI code on purpose, to catch it"


def _test_item(marker: Any = None) -> Any:
    """A stand-in for a test's request: its node, with ``marker`` or none."""
    return SimpleNamespace(node=SimpleNamespace(get_closest_marker=lambda _name: marker))


def _teardown(watching: Any) -> None:
    with pytest.raises(StopIteration):
        next(watching)


def test_every_test_here_is_watched(request: pytest.FixtureRequest) -> None:
    assert "_store_off_gui_thread" in request.fixturenames
    assert all(why.strip() for why in ALLOWED.values())


@pytest.mark.gui_thread_store(reason=ON_PURPOSE)
def test_a_service_called_on_the_gui_thread_from_ui_code_fails_the_test(  # type: ignore[no-untyped-def]
        qapp, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch) -> None:
    watching = check_gui_thread_store(_test_item(), monkeypatch, ALLOWED)
    next(watching)   # the test runs
    opening_reads(one_site_senior)   # UI code reading settings and sync status, here
    with pytest.raises(pytest.fail.Exception, match=r"--- ui/main_window\.py:opening_reads"):
        next(watching)   # its teardown


@pytest.mark.gui_thread_store(reason=ON_PURPOSE)
def test_the_same_call_on_a_worker_or_allowed_or_from_the_test_passes(  # type: ignore[no-untyped-def]
        qapp, one_site_senior: UserSession, monkeypatch: pytest.MonkeyPatch) -> None:
    watching = check_gui_thread_store(_test_item(), monkeypatch, ALLOWED)
    next(watching)
    worker = threading.Thread(target=opening_reads, args=(one_site_senior,))
    worker.start()
    worker.join()
    one_site_senior.settings.load()   # the test's own code: no UI frame
    _teardown(watching)

    allowed = {**ALLOWED, "ui/main_window.py:opening_reads": "allowed in this test"}
    watching = check_gui_thread_store(_test_item(), monkeypatch, allowed)
    next(watching)
    opening_reads(one_site_senior)
    _teardown(watching)


def test_an_opt_out_has_to_say_why() -> None:
    with_reason = pytest.mark.gui_thread_store(reason="why").mark
    assert opt_out_reason(_test_item(with_reason).node) == "why"
    assert opt_out_reason(_test_item().node) is None
    for bare in (pytest.mark.gui_thread_store.mark,
                 pytest.mark.gui_thread_store(reason=" ").mark):
        with pytest.raises(pytest.fail.Exception, match="needs a reason"):
            opt_out_reason(_test_item(bare).node)


def test_an_allowed_place_without_a_reason_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    watching = check_gui_thread_store(_test_item(), monkeypatch, {"ui/app.py": ""})
    with pytest.raises(pytest.fail.Exception, match="without a reason"):
        next(watching)
