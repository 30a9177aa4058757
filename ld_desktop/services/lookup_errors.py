"""Two service errors that import nothing heavy, so the unlock window can know them without
loading the database layer."""

from __future__ import annotations


class RecordNotFound(LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"That {what} is not on this workstation (or not at your sites).")


class SessionLocked(RuntimeError):
    def __init__(self) -> None:
        super().__init__("The workstation is locked. Unlock it to continue.")
