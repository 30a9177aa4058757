"""PySide6 user interface. Talks to services only."""

from ld_desktop.ui.immortal_singletons import immortalise_singletons

immortalise_singletons()   # before any PySide6 call in this process: see that module
