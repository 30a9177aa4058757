"""L&D Desktop: offline-first case management for NHS Liaison and Diversion teams."""

__version__ = "0.1.0"
