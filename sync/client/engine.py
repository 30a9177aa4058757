"""The client engine: push the outbox, then pull pages, applied in local transactions.

Pages fetched ahead that have already arrived are applied together, up to
``pages_per_apply`` in one transaction (`read_ahead.py`); the cursor moves with each apply.

The outbox's last batch and the first pull page travel in one signed request (`/v1/sync`):
one round trip and one authentication fewer per sync. A server without it (older than
30/11/2026) answers 404, and the engine then pushes and pulls separately, as before."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from sync.client.audit_upload import AuditSource, upload_audit
from sync.client.errors import ServerMisbehaved, ServerRefused, SyncCancelled
from sync.client.read_ahead import ReadAhead
from sync.client.transport import RetryPolicy, SignedSession, Verify
from sync.credentials import DeviceCredentials
from sync.hlc import Timestamp
from sync.protocol import (
    MAX_OPS_PER_PUSH,
    OpStatus,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    SyncRequest,
    SyncResponse,
    pages_joined,
    stalls,
)
from sync.replica import Replica

log = logging.getLogger(__name__)
MAX_PUSH_ROUNDS = 10_000   # a guard, far above any real outbox (5 million ops)


@dataclass(frozen=True)
class SyncProgress:
    phase: str       # "push" | "pull" | "done"
    pushed: int
    pulled: int


@dataclass(frozen=True)
class SyncReport:
    pushed: int          # ops the server accepted (applied, conflict or duplicate)
    pulled: int          # records and conflicts applied locally
    conflicts: int       # pushed ops that clashed (a conflict record exists)
    cursor: int          # the local cursor after the sync
    rejected: int        # ops the server refused; they stay queued
    skew_ms: int         # server clock minus ours; large values deserve a warning
    server_seq: int      # the server's highest sequence number seen
    cursor_reset: bool = False
    rejections: tuple[str, ...] = ()   # distinct reasons, for display
    audit_sent: int = 0  # audit events the server's copy stored
    audit_head: int | None = None   # the newest seq of the server's audit copy afterwards


#: Pages fetched ahead and applied together at most: fewer commits in a first sync rewrite
#: the same index pages fewer times; each page of 1,000 records waits as ~3 MB once decoded
#: (docs/sync.md, "A wider page cache for a pull").
PAGES_PER_APPLY = 8


class SyncClient:
    """Sync one replica with the server. Not thread-safe: one sync at a time per replica."""

    def __init__(self, server_url: str, replica: Replica, credentials: DeviceCredentials, *,
                 transport: httpx.BaseTransport | None = None, verify: Verify = True,
                 progress: Callable[[SyncProgress], None] | None = None,
                 cancel: threading.Event | None = None, retry: RetryPolicy | None = None,
                 page_size: int = 1000, push_batch: int = MAX_OPS_PER_PUSH,
                 audit: AuditSource | None = None, audit_head: int | None = None,
                 prefetch: bool = True, pages_per_apply: int = PAGES_PER_APPLY) -> None:
        self.replica = replica
        self.prefetch = prefetch
        self.pages_per_apply = max(1, pages_per_apply)
        self.audit = audit
        self.audit_head = audit_head
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.page_size = page_size
        self.push_batch = push_batch
        self.session = SignedSession(credentials, server_url, transport=transport, verify=verify,
                                     retry=retry, cancel=self.cancel)
        self.combined: bool | None = None   # does the server answer /v1/sync? None: not known

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def sync(self) -> SyncReport:
        """Push before pull. Raises ServerUnreachable, DeviceRevoked, NotEnrolled, SyncCancelled."""
        pushed, conflicts, rejected, reasons, server_hlc, page = self._push()
        pulled, top, reset, pull_hlc = self._pull(pushed, page)
        skew = _skew_ms(pull_hlc or server_hlc)
        audit_sent, audit_head = self._upload_audit()
        self._report("done", pushed, pulled)
        return SyncReport(pushed=pushed, pulled=pulled, conflicts=conflicts,
                          cursor=self.replica.cursor(), rejected=rejected, skew_ms=skew,
                          server_seq=top, cursor_reset=reset, rejections=tuple(sorted(reasons)),
                          audit_sent=audit_sent, audit_head=audit_head)

    def _upload_audit(self) -> tuple[int, int | None]:
        """The audit copy after push and pull: a refusal (an older server without it, an
        event it will not take) is logged and never fails the sync that already happened."""
        if self.audit is None:
            return 0, None
        try:
            return upload_audit(self.session, self.audit, self.audit_head)
        except ServerRefused as exc:
            log.warning("the server refused the audit copy: %s %s", exc.status, exc.code)
            return 0, None

    def _push(self) -> tuple[int, int, int, set[str], str | None, PullResponse | None]:
        """Push the outbox in batches; the last batch with the first pull page when the
        server can (returned, for `_pull` to apply after the push is acknowledged)."""
        pushed = conflicts = rejected = 0
        reasons: set[str] = set()
        server_hlc: str | None = None
        page: PullResponse | None = None
        tried: set[int] = set()
        for _ in range(MAX_PUSH_ROUNDS):
            self._check_cancel()
            ops = self.replica.pending_ops(self.push_batch)
            if not ops or all(op.device_seq in tried for op in ops):
                break   # empty, or only ops this sync already sent (and the server refused)
            tried.update(op.device_seq for op in ops)
            answer, page = self._push_batch(PushRequest(ops=ops),
                                            last=len(ops) < self.push_batch)
            self.replica.acknowledge(answer.results)
            server_hlc = answer.server_hlc
            accepted = [r for r in answer.results if r.status is not OpStatus.REJECTED]
            refused = [r for r in answer.results if r.status is OpStatus.REJECTED]
            pushed += len(accepted)
            conflicts += sum(r.status is OpStatus.CONFLICT for r in answer.results)
            rejected += len(refused)
            reasons.update(r.error or "rejected" for r in refused)
            self._report("push", pushed, 0)
            if len(ops) < self.push_batch:
                break   # that was the whole outbox
        return pushed, conflicts, rejected, reasons, server_hlc, page

    def _push_batch(self, request: PushRequest, *, last: bool
                    ) -> tuple[PushResponse, PullResponse | None]:
        """One batch: the last one as `/v1/sync` (with the first pull page) unless the server
        is known not to answer it; a 404 from an older server is remembered."""
        if last and self.combined is not False:
            combined = SyncRequest(ops=request.ops, cursor=self.replica.cursor(),
                                   limit=self.page_size)
            try:
                answer = self.session.call_as(SyncResponse, "POST", "/v1/sync",
                                              combined.model_dump(mode="json"))
            except ServerRefused as exc:
                if exc.status != 404:
                    raise
                self.combined = False
            else:
                self.combined = True
                return answer.push, answer.pull
        return self.session.call_as(PushResponse, "POST", "/v1/push",
                                    request.model_dump(mode="json")), None

    def _pull(self, pushed: int, first: PullResponse | None = None
              ) -> tuple[int, int, bool, str | None]:
        """Pull pages from the replica's cursor, starting with ``first`` if the push brought
        one (`/v1/sync`, read from this cursor). While pages are applied, the next ones are
        fetched ahead (``prefetch``, up to ``pages_per_apply`` waiting): fetched only, never
        applied before the page before them has committed and moved the cursor to where
        they start; otherwise they are dropped and fetched again from the cursor. The pages
        already here when a page is taken (up to ``pages_per_apply`` in all) are applied
        with it, in one transaction: the replica's work for a page is largely its commit's,
        and a commit of several pages writes the index pages they share once. A fetch ahead
        that fails fails the sync where the plain fetch would have, after the pages before
        it committed. A page that says there is more but does not move the cursor on is
        refused before it is applied: asked for again, it would come back for ever."""
        pulled, reset, server_hlc = 0, False, None
        top = 0
        ahead: ReadAhead | None = None
        try:
            while True:
                self._check_cancel()
                cursor = self.replica.cursor()
                if ahead is not None and ahead.cursor != cursor:
                    ahead.close()   # the cursor stopped elsewhere: not these pages
                    ahead = None
                if first is not None:     # the page that came with the push
                    page, first = first, None
                elif ahead is not None:
                    page = ahead.take()
                elif self.prefetch:
                    ahead = ReadAhead(self._fetch_page, cursor, self.pages_per_apply)
                    page = ahead.take()
                else:
                    page = self._fetch_page(cursor)
                server_hlc = page.server_hlc
                if page.cursor_reset:
                    if reset:   # twice in a row: the server keeps refusing cursor 0; stop
                        break
                    reset = True
                    if ahead is not None:
                        ahead.close()
                        ahead = None
                    self.replica.reset_cursor()
                    continue
                _check_advances(page, cursor)
                if page.has_more and self.prefetch and ahead is None:
                    ahead = ReadAhead(self._fetch_page, page.next_cursor, self.pages_per_apply)
                page = self._with_pages_ready(page, ahead)
                server_hlc = page.server_hlc   # the last page's, where several are applied
                self.replica.apply_pull(page)
                pulled += len(page.records) + len(page.conflicts)
                top = page.next_cursor
                self._report("pull", pushed, pulled)
                if not page.has_more:
                    return pulled, top, reset, server_hlc
        finally:
            if ahead is not None:   # the apply failed or the sync was cancelled
                ahead.close()
        return pulled, top, reset, server_hlc

    def _with_pages_ready(self, page: PullResponse, ahead: ReadAhead | None) -> PullResponse:
        """``page`` and the pages after it that have already arrived, as one page (at most
        ``pages_per_apply``): their records and conflicts in server order, the last one's
        cursor. A page that would be refused or restarts the pull is left to be taken on
        its own."""
        group = [page]
        while ahead is not None and group[-1].has_more and len(group) < self.pages_per_apply:
            following = ahead.ready()
            if following is None or following.cursor_reset or stalls(following,
                                                                       group[-1].next_cursor):
                break
            group.append(ahead.take())
        return pages_joined(group)

    def _fetch_page(self, cursor: int, stop: threading.Event | None = None) -> PullResponse:
        request = PullRequest(cursor=cursor, limit=self.page_size)
        return self.session.call_as(PullResponse, "POST", "/v1/pull",
                                    request.model_dump(mode="json"), stop=stop)

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise SyncCancelled("sync cancelled")

    def _report(self, phase: str, pushed: int, pulled: int) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(phase, pushed, pulled))


def _check_advances(page: PullResponse, cursor: int) -> None:
    if stalls(page, cursor):
        raise ServerMisbehaved(f"a pull page from cursor {cursor} says there is "
                               f"more but ends at {page.next_cursor}")


def _skew_ms(server_hlc: str | None) -> int:
    if not server_hlc:
        return 0
    try:
        return Timestamp.decode(server_hlc).wall_ms - time.time_ns() // 1_000_000
    except ValueError:
        return 0
