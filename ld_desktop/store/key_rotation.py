"""Key rotation: a new data key for the database and every remaining slot, crash-safely.

Steps, under the key-file lock (``key_file_lock``):

1. Check every slot's directory MAC with the current data key (a swapped public key is
   refused), drop the removed users' slots and any version-1 slots (they cannot be re-sealed
   without their passphrase), and seal a new random data key to every remaining slot's
   public key as the *pending* generation. Save the key file.        (killed: old key opens)
2. ``PRAGMA rekey`` the database (``Store.rekey``): one transaction.  (killed: old or new)
3. Promote pending to current and save.                               (killed: new key opens)

At unlock (``open_with_slot``) the current key is tried first, then the pending one. Opened
with the pending key, step 3 is finished; opened with the current key while a pending
generation exists, the rotation is rolled forward (steps 2-3) with the unlocking user's own
pending key: an interrupted removal completes at the next unlock by anyone. A copy of a
removed slot yields only an old data key, which no longer opens the re-keyed database.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ld_desktop.store.errors import (
    KeySlotFileCorrupt,
    KeySlotTampered,
    NotADatabase,
    RotationInterrupted,
    StoreError,
    WrongKey,
)
from ld_desktop.store.files import DATABASE_FILE
from ld_desktop.store.key_file_lock import key_file_lock
from ld_desktop.store.keyslots import RECOVERY_KIND, KeySlotFile, OpenedSlot, PendingGeneration
from ld_desktop.store.slot_crypto import (
    directory_mac,
    directory_mac_ok,
    pending_mac,
    seal_data_key,
)
from ld_desktop.store.store import Store

log = logging.getLogger(__name__)
# (done, total, what is happening) - for a progress bar; called on the caller's thread.
Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, what: str) -> None:
    return None






@dataclass
class RotationResult:
    generation: int
    data_key: bytearray
    removed: list[str] = field(default_factory=list)
    dropped_unmigrated: list[str] = field(default_factory=list)
    recovery_code: str | None = None


def rotate(store: Store, slots: KeySlotFile, data_key: bytearray, *, reason: str,
           remove: tuple[str, ...] = (), progress: Progress = _no_progress,
           new_recovery_code: bool = False) -> RotationResult:
    """Re-key the database and re-seal every remaining slot; returns the new data key.
    ``new_recovery_code``: the recovery slot is not re-sealed but replaced, after the
    commit, by one with a new code (in the result): the old code never sees the new key,
    and a crash in between leaves no recovery slot, which the next rotation makes anew."""
    with key_file_lock(slots.path.parent):
        slots.reload()
        if slots.pending is not None:
            raise RotationInterrupted()
        for slot in slots.slots:
            if not directory_mac_ok(data_key, slot.label(slots.database_id), slot.public,
                                    slot.mac):
                raise KeySlotTampered(slot.username or "the recovery code")
        wanted = {name.casefold() for name in remove}
        removed = [s.username for s in slots.slots + slots.legacy_slots
                   if s.username and s.username.casefold() in wanted]
        dropped = [s.username for s in slots.legacy_slots
                   if s.username and s.username.casefold() not in wanted]
        slots.slots = [s for s in slots.slots
                       if not (s.username and s.username.casefold() in wanted)]
        slots.legacy_slots = []
        if new_recovery_code:   # the old code's holder must not get the new key
            slots.slots = [s for s in slots.slots if s.kind != RECOVERY_KIND]
        new_key = bytearray(os.urandom(32))
        pending = PendingGeneration(slots.generation + 1,
                                    datetime.now(UTC).isoformat(timespec="seconds"), reason)
        total = len(slots.slots) + 2
        for done, slot in enumerate(slots.slots, start=1):
            label = slot.label(slots.database_id)
            pending.sealed[slot.slot_id] = seal_data_key(
                new_key, slot.public["x25519"], label, pending.generation)
            pending.macs[slot.slot_id] = directory_mac(new_key, label, slot.public)
            progress(done, total, "Sealing the new key for each user")
        pending.mac = pending_mac(data_key, slots.database_id, pending.generation,
                                  pending.sealed)
        slots.pending = pending
        slots.save()
        _rekey_with_progress(store, new_key, progress)
        commit_pending(slots)
        progress(total, total, "Done")
        code = None if slots.has_recovery_slot() else slots.new_recovery_slot(new_key)
    return RotationResult(pending.generation, new_key, removed, dropped, code)


def commit_pending(slots: KeySlotFile) -> None:
    pending = slots.pending
    if pending is None:
        return
    kept = []
    for slot in slots.slots:
        if slot.slot_id in pending.sealed:
            slot.sealed = pending.sealed[slot.slot_id]
            slot.mac = pending.macs[slot.slot_id]
            kept.append(slot)
    slots.slots = kept
    slots.generation = pending.generation
    slots.pending = None
    slots.save()


def _rekey_with_progress(store: Store, new_key: bytearray, progress: Progress) -> None:
    """Run the re-key on a worker thread; report the WAL's growth (every page is rewritten
    into it) against the database's size, from the calling thread."""
    path = store.data_dir / DATABASE_FILE
    wal = Path(f"{path}-wal")
    total = max(path.stat().st_size, 1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            store.rekey(new_key)
        except BaseException as exc:  # handed to the calling thread
            errors.append(exc)

    progress(0, total, "Re-encrypting the database")
    worker = threading.Thread(target=work, name="ld-rekey", daemon=True)
    worker.start()
    seen = 0
    while worker.is_alive():
        worker.join(0.1)
        with contextlib.suppress(FileNotFoundError):
            seen = max(seen, min(wal.stat().st_size, total))
        progress(seen, total, "Re-encrypting the database")
    if errors:
        raise errors[0]


def open_with_slot(data_dir: Path, slots: KeySlotFile, opened: OpenedSlot,
                   ) -> tuple[Store, bytearray]:
    """Open the store with an opened slot's keys; finish an interrupted rotation."""
    if slots.pending is None and len(opened.keys) == 1:
        key = opened.keys[0][1]
        return Store.open(data_dir, key), key
    with key_file_lock(data_dir):
        slots.reload()
        for generation, key in opened.keys:
            try:
                store = Store.open(data_dir, key)
            except (WrongKey, NotADatabase):
                continue
            try:
                key = _finish(store, slots, opened, generation, key)
            except BaseException:
                store.close()
                raise
            return store, key
    raise WrongKey()


def _finish(store: Store, slots: KeySlotFile, opened: OpenedSlot, generation: int,
            key: bytearray) -> bytearray:
    pending = slots.pending
    if pending is None:
        return key
    if generation == pending.generation:      # re-keyed, but the slot file not yet committed
        commit_pending(slots)
        return key
    if generation != slots.generation:
        raise KeySlotFileCorrupt(slots.path)
    if not hmac.compare_digest(pending.mac, pending_mac(
            key, slots.database_id, pending.generation, pending.sealed)):
        # Not started by anyone holding the current key: never re-key to it. Drop it.
        log.warning("discarded a pending key generation not made with the current key")
        slots.pending = None
        slots.save()
        return key
    newer = [k for g, k in opened.keys if g == pending.generation]
    if not newer:                              # this slot was left out of the rotation
        return key
    try:
        _rekey_with_progress(store, newer[0], _no_progress)   # roll forward
    except StoreError:
        # e.g. a full disk: the re-key rolled back and the old key still opens; work goes
        # on and the next unlock tries again (the pending generation is kept)
        log.warning("could not finish an interrupted key rotation; will retry at next unlock")
        return key
    commit_pending(slots)
    return newer[0]
