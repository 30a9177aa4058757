"""Correcting, merging and moving records: the dialogs."""
