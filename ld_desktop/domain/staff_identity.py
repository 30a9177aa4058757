"""Staff identity: deterministic from the username, so the same member of staff added on two
workstations is one record in the service's staff directory, not two clashing ones."""

from __future__ import annotations

import uuid


def staff_id_for(username: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "ld-desktop:staff:" + username.strip().casefold())
