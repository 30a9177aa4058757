"""Exit codes of ld-admin and how errors map to them."""

from __future__ import annotations

from enum import IntEnum

from ld_desktop.services.errors import (
    AUTHENTICATION_ERRORS,
    CORRUPTION_ERRORS,
    AlreadyInitialised,
    IntegrityFailure,
    NotInitialised,
    PermissionDenied,
    StoreError,
    WeakPassphrase,
)


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    INVALID = 2
    AUTH = 3
    INTEGRITY = 4
    UNREACHABLE = 5


class ServerUnreachableExit(Exception):
    """Raised by sync commands when the server cannot be reached (everything kept locally)."""


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, (*AUTHENTICATION_ERRORS, PermissionDenied, PermissionError)):
        return ExitCode.AUTH
    if isinstance(exc, (IntegrityFailure, *CORRUPTION_ERRORS)):
        return ExitCode.INTEGRITY
    if isinstance(exc, ServerUnreachableExit):
        return ExitCode.UNREACHABLE
    if isinstance(exc, NotInitialised | AlreadyInitialised):
        return ExitCode.INVALID
    if isinstance(exc, StoreError):
        return ExitCode.UNEXPECTED
    if isinstance(exc, WeakPassphrase | ValueError | LookupError | EOFError):
        return ExitCode.INVALID
    return ExitCode.UNEXPECTED
