"""Key material kept out of Python strings as far as sqlcipher3 allows.

sqlcipher3 takes SQL only as ``str``, and SQLCipher takes a raw key only inside the text of
``PRAGMA key`` / ``PRAGMA rekey``. The statement is therefore built in a ``bytearray``, turned
into one ``str`` just for the call, run without the statement cache, and that string's bytes
are then overwritten in place (CPython compact ASCII strings only; elsewhere it is left to
the garbage collector). What this cannot reach: SQLCipher's own copy of the key (held in C
memory until the connection closes), SQLite's freed copy of the statement text, and any copy
the interpreter made on the way. docs/ARCHITECTURE.md, "Keys at rest", says so.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

_HEX = b"0123456789abcdef"


def key_pragma(name: str, key: bytearray) -> bytearray:
    """``PRAGMA <name> = "x'<hex>'"`` as a bytearray (caller clears it)."""
    text = bytearray(f"PRAGMA {name} = \"x'".encode("ascii"))
    for byte in key:
        text.append(_HEX[byte >> 4])
        text.append(_HEX[byte & 0x0F])
    text.extend(b"'\"")
    return text


def wipe_ascii_str(text: str) -> bool:
    """Overwrite a compact ASCII ``str``'s characters with spaces, in place. CPython only;
    only for a string this module made and nobody else refers to. Returns whether it did."""
    if sys.implementation.name != "cpython" or not text.isascii():
        return False
    header = sys.getsizeof(text) - len(text) - 1
    if header <= 0:
        return False
    ctypes.memset(id(text) + header, 0x20, len(text))
    return True


def execute_key_pragma(conn: Any, name: str, key: bytearray) -> None:
    """Run ``PRAGMA key`` or ``PRAGMA rekey`` with the raw key on a sqlcipher3 connection."""
    statement = key_pragma(name, key)
    try:
        sql = statement.decode("ascii")
        try:
            conn.execute(sql).close()
        finally:
            wipe_ascii_str(sql)
            del sql
    finally:
        statement[:] = bytes(len(statement))
