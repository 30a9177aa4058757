"""Encrypted local store: SQLAlchemy 2 over SQLCipher, key slots, audit, change log, migrations."""
