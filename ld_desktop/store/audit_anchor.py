"""The audit chain's anchor, kept outside the database: the newest event's number and a MAC
over it and that event's MAC, in ``audit-anchor.json`` beside the database.

The chain alone cannot show that its newest events were cut off, and the ``audit-chain-head``
setting lives in the same database, so whoever cuts the tail can delete it too. The anchor is
advanced after every commit that recorded events (a counter that only ever goes up, under a
file lock), so cutting the tail, or emptying the trail, leaves an anchor that points past the
end: ``verify`` says so, and the next event records the cut in the chain itself. A crash
between the commit and the anchor write leaves the anchor behind, which is allowed (it must
then match the event it names). The MAC key is derived from the data key, so the anchor
cannot be forged without it; deleting the file is itself reported while events exist.

The anchor is written after the database commit has been fsync'd, in place, as one record
of fixed length (``RECORD_BYTES``, well inside one disk sector, so a power cut leaves the
old record or the new one, never a mix), and without an fsync of its own: a lagging anchor
is allowed, and it can never get ahead of the events on disk because they were made durable
first. Saving a case therefore costs the database's one fsync, not three (issue 17).

Whatever stands in the anchor's place that is not a regular file of at most a few records
(a folder, a symbolic link, a FIFO, a huge file) reads as a damaged anchor, without following
the link, blocking or reading it all; a write never goes through a link: the link is replaced.
An anchor removed while this process had written it is recorded as removed, not as a trail
that has just begun (what a missing anchor means at a process's first event).
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ld_desktop.store.atomic_file import exclusive_lock, write_atomically

ANCHOR_FILE = "audit-anchor.json"
ANCHOR_KEY = "audit_anchor"          # in an event's detail: what was wrong with the anchor
ANCHOR_STARTED = "started"           # the anchor began here (new or upgraded store)
_LOCK_SUFFIX = ".lock"
RECORD_BYTES = 256   # the anchor record, padded with spaces: always the same length
_READ_AT_MOST = 4 * RECORD_BYTES   # more than this is not an anchor (read no further)
ANCHOR_REMOVED = "the audit anchor file was removed"
# Open flags that never follow a link, never block on a FIFO and never leak to a child.
_NO_SURPRISES = (getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
# What opening a link (with O_NOFOLLOW) or a FIFO without a reader (write, O_NONBLOCK) says.
_NOT_A_FILE = {errno.ELOOP, errno.ENXIO, errno.EMLINK}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    seq: int
    mac: str          # HMAC over (seq, the MAC of event ``seq``)


def anchor_mac(key: bytes, seq: int, event_mac: str) -> str:
    return hmac.new(key, f"anchor|{seq}|{event_mac}".encode(), hashlib.sha256).hexdigest()


class AuditAnchor:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = False   # this process has written the anchor (so it must exist)

    def read(self) -> Anchor | None:
        """The anchor, or None if there is none; a damaged file, or anything that is not a
        regular file, reads as a broken anchor."""
        try:
            data = json.loads(self._read_regular_file())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError):
            return Anchor(-1, "")
        if not isinstance(data, dict) or not isinstance(data.get("seq"), int) \
                or not isinstance(data.get("mac"), str):
            return Anchor(-1, "")
        return Anchor(int(data["seq"]), str(data["mac"]))

    def _read_regular_file(self) -> bytes:
        fd = os.open(self.path, os.O_RDONLY | _NO_SURPRISES)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValueError("the anchor is not a regular file")
            data = os.read(fd, _READ_AT_MOST + 1)
        finally:
            os.close(fd)
        if len(data) > _READ_AT_MOST:
            raise ValueError("the anchor is longer than any record")
        return data

    def advance(self, key: bytes, seq: int, event_mac: str) -> None:
        """Move the anchor on to event ``seq`` (never back). A failure to write is logged,
        not raised: the events are committed, and a lagging anchor is allowed."""
        try:
            with exclusive_lock(self.path.with_name(self.path.name + _LOCK_SUFFIX)):
                current = self.read()
                if current is not None and current.seq >= seq:
                    return
                record = json.dumps({"seq": seq, "mac": anchor_mac(key, seq, event_mac)}
                                    ).encode().ljust(RECORD_BYTES)
                if not self._overwrite(record):
                    write_atomically(self.path, record)
                self.written = True
        except OSError:
            log.warning("could not advance the audit anchor", exc_info=True)

    def _overwrite(self, record: bytes) -> bool:
        """Overwrite an anchor file of the record's length in place (no new file, no
        rename, no fsync: see the module's docstring). False if there is none to overwrite
        (first write, or a file from before fixed-length records): then it is created."""
        try:
            fd = os.open(self.path, os.O_WRONLY | _NO_SURPRISES)
        except FileNotFoundError:
            return False
        except OSError as exc:   # a link or a FIFO stands there: replace it, never write into it
            if exc.errno in _NOT_A_FILE:
                return False
            raise
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size != len(record):
                return False
            return os.write(fd, record) == len(record)
        finally:
            os.close(fd)

    def anomaly(self, anchored: Anchor | None, key: bytes, seq: int,
                mac_of: Callable[[int], str | None]) -> str:
        """What an event about to be recorded as ``seq`` must say about the anchor ('' if
        nothing): it started here, it was removed, it is damaged, or it does not match the
        trail. Written into the chain, so the evidence outlives the next anchor write."""
        if anchored is None:   # verify reports a second start as a removal
            return ANCHOR_REMOVED if self.written else ANCHOR_STARTED
        if anchored.seq < 0:
            return "the audit anchor file was damaged"
        if anchored.seq < seq:
            event_mac = mac_of(anchored.seq)
            if event_mac is None or not hmac.compare_digest(
                    anchored.mac, anchor_mac(key, anchored.seq, event_mac)):
                return f"the audit anchor did not match event {anchored.seq}"
        return ""

    def problems(self, key: bytes, events: int, last_seq: int,
                 mac_of: dict[int, str]) -> list[str]:
        """What the anchor says is wrong with a trail of ``events`` events ending at
        ``last_seq``; ``mac_of`` gives the MAC of the event the anchor names, if it exists."""
        anchor = self.read()
        if anchor is None:
            return ["the audit anchor file is missing"] if events else []
        if anchor.seq < 0:
            return ["the audit anchor file is damaged"]
        if anchor.seq > last_seq:
            return [f"the audit anchor records event {anchor.seq} but the trail ends at event "
                    f"{last_seq}: events are missing from the end"]
        event_mac = mac_of.get(anchor.seq)
        if event_mac is None or not hmac.compare_digest(
                anchor.mac, anchor_mac(key, anchor.seq, event_mac)):
            return [f"event {anchor.seq} does not match the audit anchor"]
        return []


def remove_anchor(data_dir: Path) -> bool:
    """Remove the anchor, whatever stands in its place (a new store starts a new chain).
    True if there was one."""
    path = data_dir / ANCHOR_FILE
    try:
        if stat.S_ISDIR(path.lstat().st_mode):
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return False
    return True
