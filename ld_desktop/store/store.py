"""The encrypted workstation store: open, migrate, units of work, lock.

``Store`` owns the engine and the data key while unlocked; ``close()`` drops both. Units of
work are the only way to write: rows, outbox ops and audit events commit together or not at
all (cosmicpython's unit of work).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ld_desktop.store.audit import AuditLog, audit_key
from ld_desktop.store.audit_anchor import ANCHOR_FILE, AuditAnchor
from ld_desktop.store.change_log import ChangeLog
from ld_desktop.store.engine import integrity_problems, open_engine, page_problems
from ld_desktop.store.errors import ReadOnlyStore, StoreCorrupt, StoreError, classify
from ld_desktop.store.files import DATABASE_FILE, KEYSLOT_FILE
from ld_desktop.store.migrations.runner import upgrade_to_head
from ld_desktop.store.models import DeviceState
from sync.hlc import HybridLogicalClock, Timestamp

DbSession = Session  # what services may name in type hints without importing SQLAlchemy
__all__ = ["DATABASE_FILE", "KEYSLOT_FILE", "DbSession", "Store", "UnitOfWork"]


class UnitOfWork:
    """One transaction: ``session`` for rows, ``changes`` for synced mutations, ``audit``."""

    def __init__(self, session: Session, store: Store, user: str) -> None:
        self.session = session
        self.user = user
        self.changes = ChangeLog(session, store.clock, user)
        self._audit = store.audit_log
        self.last_event: tuple[int, str] | None = None   # (seq, mac) of the newest recorded

    def audit(
        self,
        action: str,
        *,
        entity: str | None = None,
        entity_id: uuid.UUID | None = None,
        case_id: uuid.UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        event = self._audit.record(
            self.session,
            self.user,
            action,
            entity=entity,
            entity_id=entity_id,
            case_id=case_id,
            detail=detail,
        )
        self.last_event = (event.seq, event.mac)


class Store:
    def __init__(self, engine: Engine, data_key: bytes, device: DeviceState,
                 data_dir: Path) -> None:
        self._engine: Engine | None = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(ld_mode="read"), expire_on_commit=False
        )
        self.device_id = device.device_id
        self.service_name = device.service_name
        self._data_dir = data_dir
        self.anchor = AuditAnchor(data_dir / ANCHOR_FILE)
        self.audit_log = AuditLog(audit_key(data_key), device.device_id, self.anchor)
        self._audit_key = audit_key(data_key)
        self.clock = HybridLogicalClock(device.device_id)
        if device.last_hlc:  # never run backwards after a restart or a clock change
            self.clock.observe(Timestamp.decode(device.last_hlc))

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, data_dir: Path, data_key: bytes, service_name: str) -> Store:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = open_engine(data_dir / DATABASE_FILE, data_key, expect_existing=False)
        try:
            upgrade_to_head(engine)
            with Session(engine, expire_on_commit=False) as session, session.begin():
                device = DeviceState(
                    id=1, device_id=f"ws-{uuid.uuid4().hex[:12]}", service_name=service_name
                )
                session.add(device)
        except Exception as exc:
            engine.dispose()
            raise classify(exc) from None
        return cls(engine, data_key, device, data_dir)

    @classmethod
    def open(cls, data_dir: Path, data_key: bytes) -> Store:
        engine = open_engine(data_dir / DATABASE_FILE, data_key, expect_existing=True)
        try:
            upgrade_to_head(engine)
            with Session(engine) as session:
                device = session.get(DeviceState, 1)
                if device is None:
                    raise SQLAlchemyError("device state row missing")
                session.expunge(device)
        except Exception as exc:
            engine.dispose()
            raise _classify_at(data_dir, exc) from None
        return cls(engine, data_key, device, data_dir)

    # ------------------------------------------------------------------ use
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the store is locked")
        return self._engine

    @contextmanager
    def unit_of_work(self, user: str) -> Iterator[UnitOfWork]:
        """Commit on success, roll back on any error; errors come out classified."""
        self.engine  # noqa: B018 - raises if locked
        session = self._sessions()
        try:
            with session.begin():
                uow = UnitOfWork(session, self, user)
                yield uow
        except SQLAlchemyError as exc:
            raise _classify_at(self._data_dir, exc) from None
        finally:
            session.close()
        if uow.last_event is not None:   # committed: the anchor outside the database follows
            self.anchor.advance(self._audit_key, *uow.last_event)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (deferred transaction: never waits for a writer in WAL)."""
        self.engine  # noqa: B018 - raises if locked
        session = self._read_sessions()
        try:
            yield session
        except SQLAlchemyError as exc:
            raise classify(exc) from None
        finally:
            session.close()

    @property
    def audit_mac_key(self) -> bytes:
        return self._audit_key

    def integrity_problems(self) -> list[str]:
        try:
            return integrity_problems(self.engine)
        except SQLAlchemyError as exc:
            return [str(classify(exc))]

    def page_problems(self) -> list[str]:
        try:
            return page_problems(self.engine)
        except SQLAlchemyError as exc:
            return [str(_classify_at(self._data_dir, exc))]

    def close(self) -> None:
        """Lock: drop the engine (closing every connection) and the keys."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._audit_key = b""
        self.audit_log = AuditLog(b"", self.device_id, self.anchor)

    @property
    def is_open(self) -> bool:
        return self._engine is not None


def _classify_at(data_dir: Path, exc: BaseException) -> StoreError:
    """Classify, telling a damaged page from a read-only file: SQLCipher reports a page whose
    HMAC fails during a write as 'readonly', though the file and folder are writable."""
    error = classify(exc)
    if isinstance(error, ReadOnlyStore):
        import os

        database = data_dir / DATABASE_FILE
        if os.access(database, os.W_OK) and os.access(data_dir, os.W_OK):
            return StoreCorrupt("a damaged page")
    return error
