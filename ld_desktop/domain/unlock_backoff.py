"""How long someone must wait after failed unlock attempts (growing delay, capped)."""

from __future__ import annotations

FREE_ATTEMPTS = 3
BASE_DELAY_SECONDS = 5
MAX_DELAY_SECONDS = 15 * 60


def wait_after(failures: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures: 0, 0, 5, 10, 20 ... 900."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(BASE_DELAY_SECONDS * 2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS))


def remaining_wait(failures: int, last_failure_at: float, now: float) -> int:
    left = wait_after(failures) - (now - last_failure_at)
    return max(0, int(left + 0.999))


def failed_attempts_notice(failures: int) -> str:
    """What someone is told at unlock about failed attempts at their username ('' if none)."""
    if failures <= 0:
        return ""
    plural = "s" if failures != 1 else ""
    return (f"{failures} failed attempt{plural} since your last unlock. If that was not you, "
            "tell your team lead.")
