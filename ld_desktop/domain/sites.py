"""Site identity: deterministic from the name, so workstations initialised separately with
the same site agree on its id (the same rule as ``sync.protocol.site_id_for``)."""

from __future__ import annotations

import uuid


def normalise_site_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def site_id_for(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "ld-desktop:site:" + normalise_site_name(name))
