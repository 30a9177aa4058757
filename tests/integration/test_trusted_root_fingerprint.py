"""The first administrator's key is trusted on first use: a workstation pins the key the server
names at its first sync. That is only safe if people can compare what was pinned with what the
server holds. `ld-sync-server authority` prints the server's fingerprint, and `ld-admin
authority` and the Admin page print the one this workstation trusts, computed here from the
pinned key. A server that states the real administrator's fingerprint beside its own key
(so the comparison would pass) is refused, and nothing is pinned."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ld_desktop.cli.admin import main as ld_admin
from ld_desktop.services import service_authority
from ld_desktop.services.service_authority import AuthorityService
from ld_desktop.store.directory_trust import ROOT
from ld_desktop.store.sync_state import device_state, set_enrolment
from sync.authority_wire import AuthorityRoot
from sync.op_signing import fingerprint, public_key_text
from sync.server.cli import main as ld_sync_server
from tests.integration.conftest import ADMIN

if TYPE_CHECKING:
    from tests.integration.conftest import Station


def _first_admins_fingerprint(first: Station) -> str:
    own = first.admin.accounts.own_key()
    assert own is not None
    return fingerprint(own[0])


def test_server_and_workstation_show_the_same_fingerprint(
        make_station, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        capsys: pytest.CaptureFixture[str]) -> None:
    first: Station = make_station("a")
    second: Station = make_station("b")
    expected = _first_admins_fingerprint(first)
    capsys.readouterr()
    assert ld_sync_server(["authority", "--database-url",
                           first.server.settings.database_url]) == 0
    server_out = capsys.readouterr().out
    assert f"First administrator: {ADMIN[0]}" in server_out
    assert expected in server_out
    trusted = AuthorityService(second.admin).trusted_root()
    assert trusted is not None
    assert trusted.fingerprint == expected
    second.admin.lock()
    second.senior.lock()
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN[1] + "\n"))
    assert ld_admin(["authority", "--data-dir", str(second.workstation.data_dir),
                     "--as", ADMIN[0], "--passphrase-stdin"]) == 0
    out = capsys.readouterr().out
    assert f"trusts {ADMIN[0]}'s key" in out
    assert expected in out


def test_before_any_administrator_the_server_says_so(
        tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert ld_sync_server(["authority", "--data-dir", str(tmp_path / "server")]) == 1
    assert "No first administrator is registered yet" in capsys.readouterr().out


def test_a_server_stating_another_keys_fingerprint_is_not_trusted(
        make_station, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    first: Station = make_station("a")
    second: Station = make_station("b")
    real = _first_admins_fingerprint(first)
    with second.admin.store.unit_of_work(second.admin.user.username) as uow:   # not pinned yet
        enrolment = dict(device_state(uow.session).enrolment)
        enrolment.pop(ROOT)
        set_enrolment(uow.session, enrolment)
    impostor = public_key_text(Ed25519PrivateKey.generate())
    lie = AuthorityRoot(username=ADMIN[0], public_key=impostor, fingerprint=real)
    monkeypatch.setattr(service_authority, "fetch_root", lambda *a, **k: lie)
    authority = AuthorityService(second.admin, transport=second.server.transport)
    with pytest.raises(ValueError, match="not the fingerprint of their key"):
        authority.pin_from_server(authority._credentials())
    assert authority.trusted_root() is None
