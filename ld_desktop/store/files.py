"""The names of a workstation's files (kept apart so they can be known without importing the
database layer)."""

DATABASE_FILE = "ld-desktop.db"
KEYSLOT_FILE = "keyslots.json"
