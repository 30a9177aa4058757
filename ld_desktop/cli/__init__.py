"""Command-line tools (ld-admin)."""
