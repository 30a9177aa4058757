"""Who is on now and who comes on next, in one line for the caseload and the handover."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from ld_desktop.domain.rota import Shift
from ld_desktop.services.session import UserSession
from ld_desktop.ui.operations import LatestOnly


def _who(shifts: list[Shift], site_names: dict[str, str]) -> str:
    return ", ".join(f"{s.username or 'unassigned'} ({site_names.get(s.site_id, '?')} "
                     f"{s.starts}–{s.ends})" for s in shifts) or "no one on the rota"


def staffing_line(session: UserSession, now_local: datetime | None = None) -> str:
    now, upcoming = session.rota.on_now_and_next(now_local or datetime.now())
    names = {str(s.id): s.name for s in session.sites}
    return f"On now: {_who(now, names)} · Next: {_who(upcoming, names)}"


class StaffingLabel(QLabel):
    """The staffing line, kept current: every minute (so "on now" moves on at a change of
    shift while the page stays open) and when the rota changes (call ``refresh``)."""

    def __init__(self, session: UserSession,
                 now_local: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self._s = session
        self._now = now_local
        self.setWordWrap(True)
        self.setAccessibleName("Who is on now and next")
        self.setText("On now: …")   # until the rota is read
        self._latest = LatestOnly(self)
        self._timer = QTimer(self)
        self._timer.setInterval(60_000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        """Read the rota off the GUI thread (a newer read supersedes an older one; nothing is
        shown after a lock or once the label is gone)."""
        if not self._s.is_locked:
            session, now = self._s, self._now()
            self._latest.run(lambda: staffing_line(session, now), self.setText,
                             doing="reading who is on")

    def stop(self) -> None:
        """The session is locking: no more minute ticks, and no read still on its way."""
        self._timer.stop()
        self._latest.cancel()


def own_shift_now(session: UserSession, now: datetime) -> tuple[datetime, datetime] | None:
    """The user's own rota shift covering ``now``, if any (it reads the rota: run it in an
    operation)."""
    on_now, _next = session.rota.on_now_and_next(now)
    for shift in on_now:
        if shift.username == session.user.username:
            return shift.window()
    return None


def conventional_shift(now: datetime) -> tuple[datetime, datetime]:
    """The conventional day (07:00-19:00) or night (19:00-07:00) shift around ``now``: the
    shift handed over unless the user's own rota shift covers now (``own_shift_now``)."""
    day_start = now.replace(hour=7, minute=0, second=0, microsecond=0)
    if day_start <= now < day_start + timedelta(hours=12):
        return day_start, day_start + timedelta(hours=12)
    night_start = day_start + timedelta(hours=12) if now >= day_start else \
        day_start - timedelta(hours=12)
    return night_start, night_start + timedelta(hours=12)
