"""The wire protocol: what a workstation pushes and pulls. Pydantic models, versioned.

An *op* is one local mutation of one record, recorded in the workstation's outbox in the same
transaction as the change itself. Records are identified by ``(entity, entity_id)``; their
state is a flat JSON object of fields. Every field carries a *version token*: the op id that
last set it. An op names the tokens it was based on, so the server detects a clash per field
(cr-sqlite style) rather than per row.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

PROTOCOL_VERSION = 1
# Schema versions of the app data model the server knows how to store. The app's store
# declares its own; the server refuses others clearly and the client keeps such ops queued.
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})
MAX_OPS_PER_PUSH = 500
MAX_PAGE_SIZE = 2000
DELETED_FIELD = "_deleted"   # a tombstone is this field set to true: edit vs delete clashes on it
# The directory: the only records an op may make visible to every site (`sites: []`). Who
# may change them is a question of authority (docs/sync.md, "Directory").
DIRECTORY_ENTITIES = frozenset({"staff", "site"})
# Every integer on the wire fits a signed 64-bit database column.
MAX_INT = 2**63 - 1
# An op's fields, as JSON, at most this many bytes: pushes refuse larger ops, and a pull page
# holds records up to MAX_PAGE_BYTES, or one record alone however large (so at most this).
MAX_OP_BYTES = 1024 * 1024
MAX_PAGE_BYTES = 4 * 1024 * 1024
# How far an op's clock may run ahead of the server's: further is refused (for now; the op
# stays queued and is accepted once the server's clock has caught up).
MAX_CLOCK_AHEAD_MS = 15 * 60 * 1000

JSONValue = Any


class OpKind(StrEnum):
    UPSERT = "upsert"    # create or change fields of a mutable record (field-level clash detection)
    INSERT = "insert"    # append-only record (note, signed screening, audit event): never clashes
    DELETE = "delete"    # tombstone ("entered in error"); clashes with an edit it did not see
    RESOLVE = "resolve"  # a senior's decision on a conflict (entity "conflict", id = conflict id)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def storable_text(text: str) -> str:
    """Text every database can store: no NUL, no lone surrogate (only JSON can hold those)."""
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must not contain lone surrogates") from None
    return text


StorableText = Annotated[str, AfterValidator(storable_text)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_INT)]
SiteId = Annotated[StorableText, Field(min_length=1, max_length=64)]


class RecordRef(_Model):
    entity: str = Field(min_length=1, max_length=64)
    entity_id: uuid.UUID


class Op(_Model):
    op_id: uuid.UUID
    device_id: str = Field(min_length=1, max_length=64)
    device_seq: StrictInt = Field(ge=1, le=MAX_INT)
    hlc: str = Field(min_length=1, max_length=128)
    user: str = Field(min_length=1, max_length=128)
    schema_version: StrictInt = Field(ge=1, le=MAX_INT)
    entity: str = Field(min_length=1, max_length=64)
    entity_id: uuid.UUID
    kind: OpKind
    # Sites whose workstations may receive this record (data minimisation). Empty = every site.
    sites: list[SiteId] = Field(default_factory=list, max_length=64)
    # Records that must become visible wherever this one is (e.g. a case links its person).
    links: list[RecordRef] = Field(default_factory=list, max_length=64)
    fields: dict[str, JSONValue] = Field(default_factory=dict)
    # Field -> version token (op id as text) the change was based on; None = field was unset.
    base_versions: dict[str, str | None] = Field(default_factory=dict)


class OpStatus(StrEnum):
    APPLIED = "applied"
    CONFLICT = "conflict"      # applied; at least one field clashed and a conflict record exists
    DUPLICATE = "duplicate"    # this (device, device_seq) was accepted before: recorded result
    REJECTED = "rejected"      # refused (e.g. unknown schema version); client keeps it queued


class OpResult(_Model):
    op_id: uuid.UUID
    device_seq: int
    status: OpStatus
    server_seq: int | None = None
    conflict_ids: list[uuid.UUID] = Field(default_factory=list)
    error: str | None = None


class PushRequest(_Model):
    protocol: StrictInt = Field(default=PROTOCOL_VERSION, ge=0, le=MAX_INT)
    ops: list[Op] = Field(max_length=MAX_OPS_PER_PUSH)


class PushResponse(_Model):
    results: list[OpResult]
    server_hlc: str


class RecordState(_Model):
    """The server's current state of one record, as pulled."""

    entity: str
    entity_id: uuid.UUID
    seq: int                                 # server sequence of the last change
    fields: dict[str, JSONValue]
    versions: dict[str, str]                 # field -> version token
    deleted: bool = False


class ConflictValue(_Model):
    value: JSONValue
    op_id: uuid.UUID
    device_id: str
    user: str
    hlc: str


class ConflictState(_Model):
    """A field clash kept for a senior practitioner to decide."""

    conflict_id: uuid.UUID
    seq: int
    entity: str
    entity_id: uuid.UUID
    field: str
    values: list[ConflictValue]             # every clashing value, in HLC order
    current: JSONValue                      # the value the record holds meanwhile (deterministic)
    status: str = "open"                    # open | resolved
    resolution: dict[str, JSONValue] | None = None   # {value, reason, user, op_id, hlc}


class PullRequest(_Model):
    protocol: StrictInt = Field(default=PROTOCOL_VERSION, ge=0, le=MAX_INT)
    cursor: Count
    limit: StrictInt = Field(default=500, ge=1, le=MAX_PAGE_SIZE)


class PullResponse(_Model):
    records: list[RecordState]
    conflicts: list[ConflictState]
    next_cursor: int
    has_more: bool
    server_hlc: str
    # The cursor was unknown: the client refetches from 0, keeping its outbox.
    cursor_reset: bool = False


def pages_joined(pages: list[PullResponse]) -> PullResponse:
    """Pages pulled one after another, each from where the one before it ended, as one page:
    their records and conflicts in server order, the last one's cursor and server time (the
    sync client applies the pages that have already arrived so, in one transaction). A
    record or a conflict that changed between two of the requests comes twice; a replica
    applies the later over the earlier, as it would page by page."""
    if len(pages) == 1:
        return pages[0]
    last = pages[-1]
    return PullResponse.model_construct(
        records=[record for page in pages for record in page.records],
        conflicts=[conflict for page in pages for conflict in page.conflicts],
        next_cursor=last.next_cursor, has_more=last.has_more, server_hlc=last.server_hlc,
        cursor_reset=False)


def stalls(page: PullResponse, cursor: int) -> bool:
    """Whether a page from ``cursor`` says there is more but does not move past it: asked
    for again, it would come back for ever."""
    return page.has_more and page.next_cursor <= cursor


class SyncRequest(_Model):
    """A push and the first pull page in one signed request (`POST /v1/sync`): the ops are
    merged first, then the page from ``cursor`` is read, so it holds what they changed. More
    pages, and pushes beyond one batch, go through `/v1/pull` and `/v1/push` as before."""

    protocol: StrictInt = Field(default=PROTOCOL_VERSION, ge=0, le=MAX_INT)
    ops: list[Op] = Field(default_factory=list, max_length=MAX_OPS_PER_PUSH)
    cursor: Count
    limit: StrictInt = Field(default=500, ge=1, le=MAX_PAGE_SIZE)


class SyncResponse(_Model):
    push: PushResponse
    pull: PullResponse


class ErrorBody(_Model):
    error: str
    detail: str


def normalise_site_name(name: str) -> str:
    """Casefold and collapse whitespace, so "  Leeds  Custody " and "leeds custody" agree."""
    return " ".join(name.split()).casefold()


def site_id_for(name: str) -> uuid.UUID:
    """The deterministic id of a site: separately initialised workstations and the server agree."""
    normalised = normalise_site_name(name)
    if not normalised:
        raise ValueError("a site name must not be empty")
    return uuid.uuid5(uuid.NAMESPACE_URL, "ld-desktop:site:" + normalised)
