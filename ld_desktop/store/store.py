"""The encrypted workstation store: open, migrate, units of work, lock.

``Store`` owns the engine and the data key while unlocked; ``close()`` drops both. Units of
work are the only way to write: rows, outbox ops and audit events commit together or not at
all (cosmicpython's unit of work).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ld_desktop.store import prepared
from ld_desktop.store.audit import AuditEntry, AuditLog, AuditTail, audit_key
from ld_desktop.store.audit_anchor import ANCHOR_FILE, AuditAnchor
from ld_desktop.store.change_log import ChangeLog
from ld_desktop.store.engine import (
    integrity_problems,
    open_engine,
    open_raw_connection,
    page_problems,
)
from ld_desktop.store.errors import (
    KeysRotatedElsewhere,
    NotADatabase,
    ReadOnlyStore,
    StoreCorrupt,
    StoreError,
    classify,
)
from ld_desktop.store.files import DATABASE_FILE, KEYSLOT_FILE
from ld_desktop.store.key_material import execute_key_pragma
from ld_desktop.store.migrations.runner import upgrade_to_head
from ld_desktop.store.models import DeviceState, Setting
from sync.hlc import HybridLogicalClock, Timestamp

DbSession = Session  # what services may name in type hints without importing SQLAlchemy
# The audit chain's MAC key, kept in the database from the first key rotation on, so the
# chain made under earlier data keys still verifies (audit.audit_key of the first key).
AUDIT_KEY_SETTING = "audit-mac-key"
__all__ = ["DATABASE_FILE", "KEYSLOT_FILE", "DbSession", "Store", "UnitOfWork"]


class UnitOfWork:
    """One transaction: ``session`` for rows, ``changes`` for synced mutations, ``audit``."""

    def __init__(self, session: Session, store: Store, user: str) -> None:
        self.session = session
        self.user = user
        self.changes = ChangeLog(session, store.clock, user, store.signer_for(user))
        self._audit = store.audit_log
        self._tail: AuditTail | None = None   # the newest event this transaction recorded

    def audit(
        self,
        action: str,
        *,
        entity: str | None = None,
        entity_id: uuid.UUID | None = None,
        case_id: uuid.UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        entry = AuditEntry(action, entity, entity_id, case_id, detail)
        self._tail = self._audit.record(self.session, self.user, entry, after=self._tail)

    @property
    def last_event(self) -> tuple[int, str] | None:
        """(seq, mac) of the newest event recorded in this transaction."""
        return None if self._tail is None else (self._tail.seq, self._tail.mac)


class Store:
    def __init__(self, engine: Engine, data_key: bytearray, device: DeviceState,
                 data_dir: Path, stored_audit_key: bytes | None = None) -> None:
        self._engine: Engine | None = engine
        self._data_dir = data_dir
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(ld_mode="read"), expire_on_commit=False
        )
        self._data_key = data_key
        self.device_id = device.device_id
        self.service_name = device.service_name
        self._audit_key = stored_audit_key or audit_key(bytes(data_key))
        self.anchor = AuditAnchor(data_dir / ANCHOR_FILE)
        self.audit_log = AuditLog(self._audit_key, device.device_id, self.anchor)
        self.clock = HybridLogicalClock(device.device_id)
        if device.last_hlc:  # never run backwards after a restart or a clock change
            self.clock.observe(Timestamp.decode(device.last_hlc))
        self._key_generation = _key_file_generation(data_dir)
        # the unlocked user's personal key: signs their directory changes, decisions, sign-offs
        self._signer: tuple[str, Ed25519PrivateKey] | None = None

    def set_signer(self, username: str, key: Ed25519PrivateKey | None) -> None:
        self._signer = None if key is None else (username, key)

    def signer_for(self, username: str) -> Ed25519PrivateKey | None:
        if self._signer is None or self._signer[0].casefold() != username.casefold():
            return None
        return self._signer[1]

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, data_dir: Path, data_key: bytearray, service_name: str) -> Store:
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
    def open(cls, data_dir: Path, data_key: bytearray) -> Store:
        engine = open_engine(data_dir / DATABASE_FILE, data_key, expect_existing=True)
        try:
            upgrade_to_head(engine)
            with Session(engine) as session:
                device = session.get(DeviceState, 1)
                if device is None:
                    raise SQLAlchemyError("device state row missing")
                session.expunge(device)
                stored = session.get(Setting, AUDIT_KEY_SETTING)
                stored_key = bytes.fromhex(stored.value["key"]) if stored is not None else None
        except Exception as exc:
            engine.dispose()
            raise _classify_at(data_dir, exc) from None
        return cls(engine, data_key, device, data_dir, stored_key)

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
            raise _readonly_as_damage(self._data_dir, self._classified(exc)) from None
        finally:
            session.close()
        if uow.last_event is not None:   # committed: the anchor outside the database follows
            self.anchor.advance(self._audit_key, *uow.last_event)

    def record_audit(self, user: str, entries: Sequence[AuditEntry]) -> None:
        """Record these events, and nothing else, in a write transaction of their own,
        committed (``synchronous=FULL``: fsync'd) before this returns, then move the anchor
        on: what a unit of work does for them, without its ORM session (issue 17: a search
        that finds one person cost less than its audit's session). Every access is still
        recorded and HMAC-chained before its results are shown."""
        engine = self.engine
        dialect = engine.dialect
        tail: AuditTail | None = None
        raw = engine.raw_connection()
        try:
            connection: Any = raw.driver_connection
            prepared.run(connection, dialect, "BEGIN IMMEDIATE", ())
            try:
                for entry in entries:
                    tail = self.audit_log.append(connection, dialect, user, entry, after=tail)
                prepared.run(connection, dialect, "COMMIT", ())
            except BaseException:
                if connection.in_transaction:
                    connection.rollback()
                raise
        except SQLAlchemyError as exc:
            raise _readonly_as_damage(self._data_dir, self._classified(exc)) from None
        finally:
            raw.close()
        if tail is not None:
            self.anchor.advance(self._audit_key, tail.seq, tail.mac)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (deferred transaction: never waits for a writer in WAL)."""
        self.engine  # noqa: B018 - raises if locked
        session = self._read_sessions()
        try:
            yield session
        except SQLAlchemyError as exc:
            raise self._classified(exc) from None
        finally:
            session.close()

    def _classified(self, exc: SQLAlchemyError) -> StoreError:
        """A database that stopped opening with our key while the key file's generation
        moved on was re-keyed by another program (a key rotation in another window): say
        so, rather than calling it damaged, which sends people to restore a backup."""
        error = classify(exc)
        if not isinstance(error, (NotADatabase, ReadOnlyStore)) or self._key_generation in (
                None, _key_file_generation(self._data_dir)):
            return error
        try:
            conn = open_raw_connection(self._data_dir / DATABASE_FILE, self._data_key)
        except Exception:  # any failure: our key no longer opens it
            return KeysRotatedElsewhere()
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except Exception:  # as above
            return KeysRotatedElsewhere()
        finally:
            conn.close()
        return error

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

    @property
    def data_dir(self) -> Path:
        return self._data_dir

    def rekey(self, new_key: bytearray) -> None:
        """Re-encrypt the whole database under ``new_key`` (SQLCipher ``PRAGMA rekey``).

        Every pooled connection is closed first (they hold the old key). The WAL is
        checkpointed, then the re-key writes every page, newly encrypted, into the WAL as one
        transaction: killed before its commit frame, the database still opens with the old
        key; after it, with the new one (and never with both: the old key fails on page 1).
        The audit chain's MAC key is kept in the database first, so the chain still verifies.
        If the re-key fails (a full disk: the WAL needs about the database's size), it is
        rolled back, the store goes on with the old key and the error is raised.
        """
        engine = self.engine
        with self.unit_of_work("system") as uow:
            if uow.session.get(Setting, AUDIT_KEY_SETTING) is None:
                uow.session.add(Setting(key=AUDIT_KEY_SETTING,
                                        value={"key": self._audit_key.hex()}))
        engine.dispose()
        self._engine = None
        old_key = self._data_key
        conn = open_raw_connection(self._data_dir / DATABASE_FILE, old_key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            execute_key_pragma(conn, "rekey", new_key)
        except Exception as exc:
            conn.close()
            self._replace_engine(old_key)
            raise classify(exc) from None
        try:
            # Overwrite the old-key pages in the main file too (the WAL holds them till then);
            # the re-key has committed, so a failure here only leaves them for later.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlcipher3.Error:
            pass
        finally:
            conn.close()
        self._replace_engine(new_key)

    def _replace_engine(self, new_key: bytearray) -> None:
        engine = open_engine(self._data_dir / DATABASE_FILE, new_key, expect_existing=True)
        self._engine = engine
        self._data_key = new_key
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(ld_mode="read"), expire_on_commit=False)

    def close(self) -> None:
        """Lock: drop the engine (closing every connection) and the keys."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._signer = None
        self._audit_key = b""
        self._data_key = bytearray()  # the session owns (and clears) the key itself
        self.audit_log = AuditLog(b"", self.device_id, self.anchor)

    @property
    def is_open(self) -> bool:
        return self._engine is not None


def _classify_at(data_dir: Path, exc: BaseException) -> StoreError:
    return _readonly_as_damage(data_dir, classify(exc))


def _readonly_as_damage(data_dir: Path, error: StoreError) -> StoreError:
    """Tell a damaged page from a read-only file: SQLCipher reports a page whose HMAC fails
    during a write as 'readonly', though the file and folder are writable."""
    if isinstance(error, ReadOnlyStore):
        import os

        database = data_dir / DATABASE_FILE
        if os.access(database, os.W_OK) and os.access(data_dir, os.W_OK):
            return StoreCorrupt("a damaged page")
    return error


def _key_file_generation(data_dir: Path) -> int | None:
    """The data key generation the key file says is current (None if unreadable)."""
    try:
        generation = json.loads((data_dir / KEYSLOT_FILE).read_bytes()).get("generation")
    except (OSError, ValueError, AttributeError):
        return None
    return generation if isinstance(generation, int) else None
