"""A demoted administrator's signatures: staff records they signed stop leading to a trusted
key once they are no longer an administrator, so a workstation pulling them afresh would hold
them back. Removal already re-signed such records; demotion (re-adding someone known here, a
synced administrator without a key slot on this workstation, with a lower role) now does the
same, as the demoting administrator."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ld_desktop.domain.roles import Role
from ld_desktop.domain.staff_identity import staff_id_for
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.directory_trust import unvouched_records
from ld_desktop.store.models import StaffMember
from sync.op_signing import public_key_text

ADMIN = ("admin1", "admin passphrase for demotion tests")


def _member(username: str, role: Role, sites: list[str], key: str | None = None
            ) -> StaffMember:
    return StaffMember(id=staff_id_for(username), username=username, display_name=username,
                       role=role.value, site_ids=sites, signing_keys=[key] if key else [])


def test_demoting_an_administrator_re_signs_what_they_signed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
    ws = Workstation(tmp_path / "ws")
    ws.initialise("Testshire L&D", ["Northgate Custody Suite"], *ADMIN)
    admin = ws.unlock(*ADMIN)
    sites = [str(s) for s in admin.site_ids]
    other = Ed25519PrivateKey.generate()     # admin3's key, on another workstation
    with admin.store.unit_of_work(ADMIN[0]) as uow:   # as if pulled: signed by admin1
        uow.changes.create(_member("admin3", Role.ADMIN, sites, public_key_text(other)))
    own = admin.signing_key
    admin.store.set_signer("admin3", other)
    with admin.store.unit_of_work("admin3") as uow:   # a record admin3 signed
        uow.changes.create(_member("prac9", Role.PRACTITIONER, sites))
    admin.store.set_signer(ADMIN[0], own)
    with admin.store.reading() as db:
        assert unvouched_records(db) == []
    admin.accounts.add_user("admin3", Role.SENIOR, "quiet harbour lantern seventeen")
    with admin.store.reading() as db:
        assert [r.username for r in unvouched_records(db)] == []   # type: ignore[attr-defined]
        prac9 = db.get(StaffMember, staff_id_for("prac9"))
        assert prac9 is not None
        assert prac9.attestation["key"] == public_key_text(own)   # type: ignore[index,arg-type]
    admin.lock()
