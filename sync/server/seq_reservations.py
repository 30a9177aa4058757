"""Sequence numbers on PostgreSQL: reserved in a moment, published when their rows commit.

A puller must never move its cursor past a number whose rows are not yet committed, or it
would skip them for ever. Holding the counter's row lock from the first write to COMMIT
guarantees that, but makes every push wait for the one before it to finish writing and
flushing to disk: an end-of-shift burst then queues on a single row.

Instead a push (which has merged already, under advisory locks on the records it touches)
reserves the block of numbers it needs in a transaction of its own that holds the counter
for well under a millisecond: the counter moves on and the block is written to
`seq_reservations`. The push writes its rows with those numbers and deletes its reservation
in the transaction that commits them, so the rows appear and the reservation disappears at
the same instant. A puller reads up to the *watermark*: the counter, or just below the
oldest open reservation. The watermark never goes backwards (a new reservation always
starts above the counter).

A push that dies between reserving and committing (its server process killed, its
connection cut) leaves its reservation behind. Each reservation names the PostgreSQL session
that took it, and the next reservation removes those whose session has ended, so the
watermark moves on over numbers that were never used at once; a reservation whose session
cannot be seen (another database role's, say) goes once older than `RESERVATION_TTL_S`. A
push that was merely slow then finds its reservation gone when it commits, and is refused
and retried rather than publishing numbers a puller may already have passed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from sync.server import schema as t
from sync.server.batch_sql import PgText, WriteBatch

RESERVATION_TTL_S = 120
LOST = "LDR01"   # SQLSTATE raised by ld_reservation_lost() (migration 0002)


class ReservationLost(Exception):
    """The push's reservation was removed as abandoned before the push could commit."""


@dataclass(frozen=True)
class Reservation:
    id: int
    first_seq: int
    last_seq: int


#: a reservation is abandoned when old, or when the session that took it has ended
_ABANDONED = """
r.created_at < now() - make_interval(secs => :ttl)
OR (r.backend_pid IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM pg_stat_activity AS a
    WHERE a.pid = r.backend_pid
      AND (a.backend_start IS NULL OR a.backend_start = r.backend_start)))
"""

_RESERVE = PgText(f"""
WITH session AS (
    SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()
), abandoned AS (
    DELETE FROM seq_reservations AS r WHERE {_ABANDONED} RETURNING r.id
), commit_mode AS (     -- see `reserve`: waits for the disk only if it removed a reservation
    SELECT set_config('synchronous_commit',
                      CASE WHEN EXISTS (SELECT 1 FROM abandoned) THEN 'on' ELSE 'off' END,
                      true) AS mode
), taken AS (
    UPDATE counter SET value = value + :count WHERE id = 1 RETURNING value
)
INSERT INTO seq_reservations (first_seq, last_seq, created_at, backend_pid, backend_start)
SELECT value - :count + 1, value, now(), session.pid, session.backend_start
FROM taken LEFT JOIN session ON true         -- a session it cannot see: only the TTL counts
CROSS JOIN commit_mode
RETURNING id, first_seq, last_seq
""")


def reserve(conn: Connection, count: int) -> Reservation:
    """Take ``count`` numbers and record them as in flight, in one autocommitted statement,
    removing abandoned reservations on the way. Times are the database's, so servers whose
    clocks disagree agree on a reservation's age.

    The statement holds the counter's row lock until it commits, so every push of a burst
    passes through it one after another: committed synchronously, each would hold the lock
    through a WAL flush (3-4 ms on the reference machine's disk), 200 pushes ~0.7 s in a
    queue. It commits without waiting for the disk (``synchronous_commit`` off for this
    transaction) unless it removed an abandoned reservation. That is safe because no
    puller can pass a number on the strength of this commit alone: while the reservation
    stands the watermark stays below its block; the reservation disappears only by a
    synchronous commit (the push's `publish`, `discard`, `remove_abandoned`, or a
    reservation that removed it, which then waits for the disk), and a flush writes every
    earlier WAL record, this one's included. A crash before then forgets the block and the
    counter's move together, and the push, whose connection died, is retried."""
    row = _RESERVE.one(conn, {"count": count, "ttl": RESERVATION_TTL_S})
    return Reservation(int(row.id), int(row.first_seq), int(row.last_seq))


def publish(conn: Connection, reservation: Reservation, writes: WriteBatch) -> None:
    """Write the push's rows and delete its reservation in one autocommitted statement, which
    fails as a whole (`ReservationLost`) if the reservation has been removed meanwhile."""
    try:
        writes.run_as_one_statement(
            conn,
            before=["released AS (DELETE FROM seq_reservations WHERE id = :reservation "
                    "RETURNING id)"],
            then="SELECT CASE WHEN EXISTS (SELECT 1 FROM released) THEN 0 "
                 "ELSE ld_reservation_lost() END",
            params={"reservation": reservation.id})
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOST:
            raise ReservationLost(
                f"sequence reservation {reservation.id} expired before commit") from exc
        raise


HELD_BACK_S = 5


def remove_abandoned(conn: Connection) -> None:
    """For pulls held back for a while by the same reservation: when no push comes along to
    reserve (a quiet night), a reservation left by a push that died is removed here."""
    conn.execute(sa.text(f"DELETE FROM seq_reservations AS r WHERE {_ABANDONED}"),
                 {"ttl": RESERVATION_TTL_S})


def discard(conn: Connection, reservation: Reservation) -> None:
    """After a push failed: give the block up (its numbers stay unused)."""
    conn.execute(sa.delete(t.seq_reservations).where(t.seq_reservations.c.id == reservation.id))


#: every number at or below it is committed or was never used: the counter, or just below
#: the oldest reservation still open (PostgreSQL)
WATERMARK = """
SELECT LEAST(value, COALESCE((SELECT min(first_seq) - 1 FROM seq_reservations), value)) AS value
FROM counter WHERE id = 1
"""


def watermark(conn: Connection) -> int:
    """`WATERMARK`. (SQLite pushes hold the write lock to commit and reserve nothing: there
    it is the counter.)"""
    if conn.dialect.name != "postgresql":
        return int(conn.execute(sa.select(t.counter.c.value).where(t.counter.c.id == 1))
                   .scalar_one())
    return int(conn.execute(sa.text(WATERMARK)).scalar_one())
