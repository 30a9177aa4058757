"""Workstation settings with a typed schema and a version; stored encrypted in the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from ld_desktop.domain.roles import Permission
from ld_desktop.domain.targets import Targets
from ld_desktop.services.session import UserSession
from ld_desktop.services.views import Changes
from ld_desktop.store.staff_queries import get_setting, put_setting

SETTINGS_KEY = "workstation"
SETTINGS_VERSION = 1


@dataclass(frozen=True)
class WorkstationSettings:
    auto_lock_minutes: int = 5
    targets: Targets = field(default_factory=Targets)
    sync_interval_minutes: int = 10

    def validate(self) -> None:
        if not 1 <= self.auto_lock_minutes <= 60:
            raise ValueError("Auto-lock must be between 1 and 60 minutes.")
        if not 1 <= self.sync_interval_minutes <= 240:
            raise ValueError("The sync interval must be between 1 and 240 minutes.")


class SettingsService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def load(self) -> WorkstationSettings:
        cached = self._s.cached_settings
        if cached is not None:
            return cached
        with self._s.store.reading() as db:
            data = get_setting(db, SETTINGS_KEY) or {}
        settings = WorkstationSettings(
            auto_lock_minutes=int(data.get("auto_lock_minutes", 5)),
            targets=Targets.from_json(data.get("targets", {})),
            sync_interval_minutes=int(data.get("sync_interval_minutes", 10)),
        )
        self._s.cached_settings = settings
        return settings

    def save(self, settings: WorkstationSettings) -> None:
        self._s.require(Permission.CONFIGURE)
        settings.validate()
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            put_setting(
                uow.session,
                SETTINGS_KEY,
                {
                    "version": SETTINGS_VERSION,
                    "auto_lock_minutes": settings.auto_lock_minutes,
                    "targets": settings.targets.to_json(),
                    "sync_interval_minutes": settings.sync_interval_minutes,
                },
            )
            uow.audit("settings-changed")
        self._s.cached_settings = None
        self._s.bus.publish(Changes(frozenset({"settings"})))
