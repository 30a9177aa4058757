"""An unexpected WARNING or ERROR logged during a test fails it (qutebrowser's
``tests/helpers/logfail.py``). The app logs a warning or an error only when something went
wrong, so a test that logs one without saying so is hiding a defect.

A test that means to provoke one says so: ``@pytest.mark.expect_log`` (and asserts on the
record with ``caplog``), or it requests ``caplog`` and sets a level at or below the record's
(``caplog.set_level`` / ``caplog.at_level``), which is how it inspects what was logged.

Records are collected from every thread (a worker's failure counts) and checked when the
test has finished, rather than raised inside ``logging`` where a broad ``except`` in the
code under test could swallow the failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

MIN_LEVEL = logging.WARNING
NOTSET = logging.NOTSET


class LogFailHandler(logging.Handler):
    """Keeps every record at or above ``MIN_LEVEL`` while a test runs."""

    def __init__(self) -> None:
        super().__init__(MIN_LEVEL)
        self.records: list[logging.LogRecord] = []
        self.caplog: pytest.LogCaptureFixture | None = None   # the running test's, if any
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        caplog = self.caplog
        if caplog is not None and NOTSET < caplog.handler.level <= record.levelno:
            return   # caplog.set_level / at_level was in force: the test inspects it
        with self._guard:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self._guard:
            taken, self.records = self.records, []
        return taken


_handler = LogFailHandler()


@pytest.fixture(scope="session", autouse=True)
def _log_fail_handler() -> Iterator[LogFailHandler]:
    root = logging.getLogger()
    root.addHandler(_handler)
    yield _handler
    root.removeHandler(_handler)


@pytest.fixture(autouse=True)
def fail_on_logging(request: pytest.FixtureRequest,
                    _log_fail_handler: LogFailHandler) -> Iterator[None]:
    # a level set with caplog while a record is logged means the test inspects it
    caplog = (request.getfixturevalue("caplog") if "caplog" in request.fixturenames
              else None)
    _log_fail_handler.take()   # nothing from before this test counts against it
    _log_fail_handler.caplog = caplog
    try:
        yield
    finally:
        _log_fail_handler.caplog = None
    records = _log_fail_handler.take()
    if records and request.node.get_closest_marker("expect_log") is None:
        lines = "\n".join(f"  {r.name} {r.levelname}: {r.getMessage()}" for r in records)
        pytest.fail(f"unexpected log message(s) during the test (mark it "
                    f"@pytest.mark.expect_log if it means to provoke them):\n{lines}",
                    pytrace=False)
