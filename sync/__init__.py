"""Offline-first sync: wire protocol, Replica interface, client engine, central server.

Knows nothing of ld_desktop; the app's store implements `sync.replica.Replica`.
"""
