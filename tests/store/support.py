"""Names and passphrases shared by the store tests (imported relatively: tests/store is a
package so its module names never clash with other test folders)."""

from __future__ import annotations

ADMIN = ("admin1", "admin passphrase for store tests")
PRACT = ("prac1", "practitioner passphrase here")
SITES = ["Northgate Custody Suite", "Southbank Magistrates Court"]
