"""The log-fail check itself: run a small test file with pytester and see it fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PROBE = '''
import logging
import pytest

log = logging.getLogger("ld_desktop.probe")


def test_warns_unexpectedly():
    log.warning("the clock is off by %d ms", 9000)


@pytest.mark.expect_log
def test_warns_on_purpose():
    log.warning("expected")


def test_inspects_with_caplog(caplog):
    caplog.set_level("WARNING")
    log.error("seen and checked")
    assert caplog.records


def test_info_is_fine():
    log.info("routine")
'''


def test_an_unexpected_warning_fails_the_test(pytester: pytest.Pytester,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The probe runs in a subprocess from a temporary folder: it finds the fixture's module
    # (tests.helpers.logfail) through the repository root, as CI's clean clone needs.
    root = str(Path(__file__).resolve().parents[2])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        part for part in (root, os.environ.get("PYTHONPATH", "")) if part))
    pytester.makeconftest('pytest_plugins = ["tests.helpers.logfail"]\n'
                          'def pytest_configure(config):\n'
                          '    config.addinivalue_line("markers", "expect_log: x")\n')
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*test_warns_unexpectedly*",
                                 "*ld_desktop.probe WARNING: the clock is off by 9000 ms*"])
