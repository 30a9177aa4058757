"""Make ``None``, ``True`` and ``False`` immortal on CPython before 3.12, as 3.12 does itself
(PEP 683), so that a binding that returns one of them without taking a reference cannot
free it.

PySide6 6.12.0 on CPython 3.11 does exactly that: every call of a method that returns
nothing (``setObjectName``, ``QTimer.setInterval``, ``QApplication.processEvents`` ...) gives
back ``None`` without a reference, and every ``Signal.emit`` gives back ``True`` without
one. Each call drains one reference, and after some thousands the count reaches zero and the
interpreter aborts: "Fatal Python error: none_dealloc" or "bool_dealloc" (issue 18's crash
on closing the demo, and the operations segfault under load, where waiting loops make more
calls). A reserve of 2**40 references cannot be drained in the life of a process.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_done = False


def immortalise_singletons() -> bool:
    """Add the reserve once per process; False where it is not needed (CPython 3.12+, another
    interpreter) or already done. Call it before worker threads start."""
    global _done
    if _done or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    for singleton in (None, True, False):
        before = sys.getrefcount(singleton)
        count = ctypes.c_ssize_t.from_address(id(singleton))   # ob_refcnt, the first field
        count.value += RESERVE
        if abs(sys.getrefcount(singleton) - before - RESERVE) > 1000:   # not the layout we expect
            count.value -= RESERVE
            return False
    _done = True
    return True
