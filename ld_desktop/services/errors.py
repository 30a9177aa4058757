"""The errors callers of services handle, grouped by what a person should do about them.

Re-exported here so the UI and CLI never import the store."""

from __future__ import annotations

from ld_desktop.domain.nhs_number import InvalidNhsNumber
from ld_desktop.domain.passphrase_policy import WeakPassphrase
from ld_desktop.domain.roles import PermissionDenied
from ld_desktop.services.lookup_errors import RecordNotFound, SessionLocked
from ld_desktop.store.errors import (
    AlreadyInitialised,
    DiskFull,
    KeySlotFileCorrupt,
    KeySlotFileMissing,
    KeySlotTampered,
    LockedOut,
    NotADatabase,
    NotInitialised,
    ReadOnlyStore,
    StoreBug,
    StoreCorrupt,
    StoreError,
    UnknownUser,
    WrongKey,
    WrongPassphrase,
)

#: the person could not be authenticated (or must wait)
AUTHENTICATION_ERRORS: tuple[type[Exception], ...] = (WrongPassphrase, LockedOut, UnknownUser)
#: the store or its key file is damaged, missing or mismatched: restore from backup
CORRUPTION_ERRORS: tuple[type[Exception], ...] = (
    KeySlotFileMissing, KeySlotFileCorrupt, KeySlotTampered, WrongKey, NotADatabase,
    StoreCorrupt,
)


class IntegrityFailure(Exception):
    """A verification found damage or tampering."""


#: A refusal the user can fix (or act on): what a service raises to say no, with a message
#: fit to show where the user is (a form's error line, a page's message), keeping what they
#: typed. The one definition every form and page uses, through :func:`is_refusal`. A
#: ``StoreError`` says what to do in plain words (disk full, keys rotated elsewhere, an
#: unknown user); ``StoreBug`` is the exception: a programming error, for the default
#: failure display and the log.
REFUSALS: tuple[type[Exception], ...] = (ValueError, PermissionError, LookupError, StoreError)


def is_refusal(exc: BaseException) -> bool:
    """Whether ``exc`` is a refusal to show in place (see :data:`REFUSALS`)."""
    return isinstance(exc, REFUSALS) and not isinstance(exc, StoreBug)


__all__ = [
    "AUTHENTICATION_ERRORS", "CORRUPTION_ERRORS", "REFUSALS", "AlreadyInitialised", "DiskFull",
    "IntegrityFailure", "InvalidNhsNumber", "KeySlotFileCorrupt", "KeySlotFileMissing",
    "KeySlotTampered", "LockedOut", "NotADatabase", "NotInitialised", "PermissionDenied",
    "ReadOnlyStore",
    "RecordNotFound", "SessionLocked", "StoreBug", "StoreCorrupt", "StoreError",
    "UnknownUser", "WeakPassphrase", "WrongKey", "WrongPassphrase", "is_refusal",
]
