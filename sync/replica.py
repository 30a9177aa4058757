"""The interface a local store implements so the client engine can sync it."""

from __future__ import annotations

from typing import Protocol

from sync.protocol import Op, OpResult, PullResponse


class Replica(Protocol):
    """A local replica. Every method is atomic: it commits or changes nothing."""

    def pending_ops(self, limit: int) -> list[Op]:
        """Outbox ops not yet acknowledged by the server: ops the server has not refused
        before come first (oldest device_seq first), then previously refused ones, so refused
        ops can never hold newer work back."""
        ...

    def acknowledge(self, results: list[OpResult]) -> None:
        """Record the server's results for pushed ops in one transaction.

        Applied/conflict/duplicate ops leave the outbox; rejected ones stay queued with the error.
        """
        ...

    def cursor(self) -> int:
        """The server sequence up to which everything has been applied locally."""
        ...

    def apply_pull(self, page: PullResponse) -> None:
        """Apply one pulled page and move the cursor to ``page.next_cursor`` in one transaction.

        The page may be several the server sent, one after another, joined by the client
        (``protocol.pages_joined``: their records and conflicts in server order, the last
        one's cursor): a replica applies it as it would a larger page. A record can then
        appear more than once (it changed between two of the requests): the later state is
        applied over the earlier.

        Fields with pending local ops are rebased, never overwritten: the local value stays
        and the pending op keeps its base version, so the server sees any clash.
        """
        ...

    def reset_cursor(self) -> None:
        """The server did not know our cursor: start again from 0, keeping the outbox."""
        ...
