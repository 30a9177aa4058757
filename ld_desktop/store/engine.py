"""Opening the SQLCipher database through SQLAlchemy with a raw 256-bit key.

The key is set in our own ``creator`` (never through a URL, which would put it in a quoted
PRAGMA), checked at once with a read, and never logged: ``hide_parameters=True``. The key is
a ``bytearray`` its owner clears at lock; the ``PRAGMA key`` text is built in a bytearray
(``key_material``) and the one ``str`` sqlcipher3 needs is overwritten after use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from ld_desktop.store.errors import NotADatabase, WrongKey, classify
from ld_desktop.store.key_material import execute_key_pragma

KEY_BYTES = 32


def _null(_value: None) -> None:
    return None


# sqlcipher3 adapts every parameter that is not an int, float, str or bytearray before
# binding it, None included, and without an adapter registered for the type that costs
# ~0.8 us a None (measured: an executemany of 8 columns, 6 of them None, 5.3 us a row;
# with this adapter, found at once in its registry, 1.1 us). None is still bound as NULL
# (tests/store/test_prepared_values.py). Registered once, for every store connection.
sqlcipher3.register_adapter(type(None), _null)


def _open_connection(path: Path, key: bytearray) -> Any:
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        execute_key_pragma(conn, "key", key)
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # wrong key fails here
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA secure_delete = ON")
    except Exception:
        conn.close()
        raise
    return conn


def open_raw_connection(path: Path, key: bytearray) -> Any:
    """One DB-API connection outside any engine (for a re-key)."""
    return _open_connection(path, key)


def open_engine(path: Path, key: bytearray, *, expect_existing: bool) -> Engine:
    """An engine over the encrypted database; raises WrongKey/NotADatabase/... at once."""
    if len(key) != KEY_BYTES:
        raise ValueError("the data key must be 32 bytes")
    if expect_existing and not path.exists():
        raise NotADatabase()

    def creator() -> Any:
        return _open_connection(path, key)

    engine = create_engine(
        "sqlite://",
        module=sqlcipher3,
        creator=creator,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        hide_parameters=True,
    )
    _install_transaction_hooks(engine)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:
        engine.dispose()
        error = classify(exc)
        if isinstance(error, NotADatabase) and expect_existing:
            # The key slot unwrapped (so the passphrase is right) but the DB refuses the key:
            # either the file is damaged or it belongs to another key file.
            raise WrongKey() from None
        raise error from None
    return engine


def _install_transaction_hooks(engine: Engine) -> None:
    """pysqlite-style drivers begin transactions lazily; make SQLAlchemy's BEGIN explicit so
    every unit of work is one real SQLite transaction (SQLAlchemy docs, 'Serializable
    isolation / Savepoints / Transactional DDL')."""

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers take the write lock up front (no deadlock-prone lock upgrades); readers
        # (``ld_mode="read"``) use a deferred transaction so they never wait for a writer.
        # On the DB-API connection: SQLAlchemy's statement machinery cost ~40 us a BEGIN,
        # paid by every transaction (issue 17); a failure is raised as SQLAlchemy would.
        read_only = conn.get_execution_options().get("ld_mode") == "read"
        sql = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        try:
            conn.connection.driver_connection.execute(sql)
        except sqlcipher3.Error as exc:
            raise DBAPIError.instance(sql, (), exc, sqlcipher3.Error, hide_parameters=True,
                                      dialect=conn.dialect) from exc


def integrity_problems(engine: Engine) -> list[str]:
    """SQLCipher page HMAC check and SQLite integrity check; empty list = healthy."""
    problems: list[str] = []
    with engine.connect() as conn:
        for (row,) in conn.exec_driver_sql("PRAGMA cipher_integrity_check"):
            problems.append(f"cipher: {row}")
        for (row,) in conn.exec_driver_sql("PRAGMA integrity_check"):
            if row != "ok":
                problems.append(f"sqlite: {row}")
    return problems


def page_problems(engine: Engine) -> list[str]:
    """Only SQLCipher's page HMAC check (every page read once, no B-tree walk): quick enough
    to run before any support command, and catches a damaged page wherever it is."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA cipher_integrity_check")
        return [f"cipher: {row}" for (row,) in rows]
