"""The Reports place's one entry point: the dashboard, a bar's cases (audited like any
list), the data-quality report and the monthly return."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

from ld_desktop.services.reports.dashboard import build_dashboard
from ld_desktop.services.reports.data_quality import DataQualityReport, data_quality
from ld_desktop.services.reports.figures import Dashboard, DrillRow
from ld_desktop.services.reports.monthly_return import MonthlyReturn, write_monthly_return
from ld_desktop.services.reports.period import Period
from ld_desktop.services.reports.scope import report_filter
from ld_desktop.services.session import UserSession
from ld_desktop.store import report_queries as q

_STATISTICS_FRESH: set[str] = set()      # stores whose planner statistics were refreshed
_STATISTICS_LOCK = threading.Lock()


class ReportService:
    def __init__(self, session: UserSession) -> None:
        """Touches no store: the UI builds it on the GUI thread and queries it from
        operations, so the planner statistics are refreshed by the first query."""
        self._s = session

    def _fresh_statistics(self) -> None:
        with _STATISTICS_LOCK:   # two first queries at once (dashboard, quality): one refresh
            if self._s.device_id not in _STATISTICS_FRESH:
                with self._s.store.unit_of_work(self._s.user.username) as uow:
                    q.refresh_planner_statistics(uow.session)
                _STATISTICS_FRESH.add(self._s.device_id)

    def dashboard(self, period: Period, site_ids: Iterable[uuid.UUID] | None = None
                  ) -> Dashboard:
        self._fresh_statistics()
        return build_dashboard(self._s, period, site_ids)

    def drill_down(self, figure_id: str, key: str, period: Period,
                   site_ids: Iterable[uuid.UUID] | None = None) -> list[DrillRow]:
        """The cases behind one bar. Audited as a list view: who looked at which list,
        how many cases it showed (no names or clinical values in the audit)."""
        self._fresh_statistics()
        f = report_filter(self._s, period, site_ids)
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            rows = q.drill_down(uow.session, f, figure_id, key)
            uow.audit("list-viewed", detail={
                "list": "report-drill-down", "figure": figure_id, "bar": key,
                "period": [period.start.isoformat(), period.end.isoformat()],
                "sites": sorted(str(s) for s in f.site_ids), "count": len(rows)})
        return [DrillRow(i, f"{fam.upper()}, {g}", site, t, stage)
                for i, g, fam, site, t, stage in rows]

    def data_quality(self, period: Period, site_ids: Iterable[uuid.UUID] | None = None, *,
                     open_days: int | None = None) -> DataQualityReport:
        self._fresh_statistics()
        return data_quality(self._s, period, site_ids, open_days=open_days)

    def monthly_return(self, period: Period, out_dir: Path, *,
                       site_ids: Iterable[uuid.UUID] | None = None,
                       confirm_problems: bool = False,
                       quality: DataQualityReport | None = None) -> MonthlyReturn:
        self._fresh_statistics()
        return write_monthly_return(self._s, period, out_dir, site_ids=site_ids,
                                    confirm_problems=confirm_problems, quality=quality)
