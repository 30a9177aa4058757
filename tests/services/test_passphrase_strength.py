"""Weak passphrases are refused wherever one is set (issue 13 item 4): a new user, a change
of one's own passphrase, the recovery flow and first-time set-up. Strength is zxcvbn's
estimate (score 4 needed); the advice is the NCSC's three random words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ld_desktop.domain.passphrase_policy import WeakPassphrase, check_passphrase, strength
from ld_desktop.domain.roles import Role
from ld_desktop.services.session import UserSession
from ld_desktop.services.workstation import Workstation

from .support import ADMIN, NORTH

Opener = Callable[[tuple[str, str]], UserSession]
WEAK = ["password12345", "qwertyuiop12", "Summer2026!!", "liaisondiversion2026",
        "Password1234!", "1qaz2wsx3edc4rfv", "northgatecustody1"]


@pytest.mark.parametrize("weak", WEAK)
def test_guessable_passphrases_are_refused_with_three_words_advice(weak: str) -> None:
    with pytest.raises(WeakPassphrase) as refused:
        check_passphrase(weak, username="north1")
    assert "too easy to guess" in str(refused.value)
    assert "three random words" in str(refused.value)


@pytest.mark.parametrize("good", ["kettle violet harbour", "correct horse battery staple",
                                  "Otter pancake lighthouse 7"])
def test_three_random_words_are_accepted(good: str) -> None:
    check_passphrase(good, username="north1")
    assert strength(good) == 4


@pytest.mark.parametrize("weak", ["password12345", "qwertyuiop12", "Summer2026!!"])
def test_every_way_of_setting_a_passphrase_refuses_weak_ones(
        store_dir: Path, open_session: Opener, weak: str) -> None:
    admin = open_session(ADMIN)
    with pytest.raises(WeakPassphrase):
        admin.accounts.add_user("weak.new", Role.PRACTITIONER, weak)
    north = open_session(NORTH)
    with pytest.raises(WeakPassphrase):
        north.accounts.change_own_passphrase(NORTH[1], weak)
    ws = Workstation(store_dir)
    with pytest.raises(WeakPassphrase):
        ws.recover(NORTH[0], "not-the-code", weak)   # refused before the code is tried
    with pytest.raises(WeakPassphrase):
        Workstation(store_dir.parent / "fresh").initialise(
            "Testshire L&D", ["Northgate Custody Suite"], "admin9", weak)
    assert ws.lockout_remaining("recovery") == 0
    Workstation(store_dir).unlock(*NORTH).lock()    # the old passphrase still works
