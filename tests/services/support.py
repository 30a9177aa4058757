"""Users and sites of the services tests' store."""

from __future__ import annotations

ADMIN = ("admin1", "admin passphrase for services")
NORTH = ("north1", "north practitioner phrase")
SOUTH = ("south1", "south practitioner phrase")
BOTH = ("senior1", "senior at both sites phrase")
NORTH_SITE, SOUTH_SITE = "Northgate Custody Suite", "Southbank Magistrates Court"
