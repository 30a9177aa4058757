"""ld-admin end to end, every subcommand, through ``main([...])`` with secrets on standard
input (``--passphrase-stdin``, one line per secret in the order asked), plus real
subprocesses: exit codes 0/2/3 and never a traceback for an expected failure."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ld_desktop.cli.admin import main

ADMIN = ("admin1", "admin passphrase for cli tests")
PRACT = ("prac1", "practitioner cli passphrase")
ROOT = Path(__file__).resolve().parents[2]
RECOVERY = re.compile(r"^[A-Z2-7]{5}(-[A-Z2-7]{5}){4}$")


class Admin:
    """Runs ld-admin in process against one store folder."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self._mp = monkeypatch
        self._capsys = capsys

    def __call__(self, *argv: str, secrets: tuple[str, ...] = (), data_dir: bool = True
                 ) -> tuple[int, str, str]:
        self._mp.setattr(sys, "stdin", io.StringIO("".join(s + "\n" for s in secrets)))
        args = [*argv, "--passphrase-stdin"]
        if data_dir:
            args += ["--data-dir", str(self.folder)]
        self._capsys.readouterr()
        code = main(args)
        out = self._capsys.readouterr()
        assert "Traceback" not in out.err + out.out
        return code, out.out, out.err

    def as_admin(self, command: str, *argv: str, extra: tuple[str, ...] = ()
                 ) -> tuple[int, str, str]:
        return self(command, "--as", ADMIN[0], *argv, secrets=(ADMIN[1], *extra))


def _init(run: Admin) -> str:
    code, out, err = run("init", "--service", "CLI Testshire L&D",
                         "--site", "Northgate Custody Suite", "--site", "Riverside Court",
                         "--admin", ADMIN[0], secrets=(ADMIN[1],))
    assert (code, err) == (0, "")
    return out.strip().splitlines()[-1]


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_DESKTOP_KDF_PROFILE", "fast")


@pytest.fixture(scope="session")
def cli_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store made by `ld-admin init` + `add-user`, copied for each test."""
    from ld_desktop.domain.roles import Role
    from ld_desktop.services.workstation import Workstation

    folder = tmp_path_factory.mktemp("cli-template") / "store"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LD_DESKTOP_KDF_PROFILE", "fast")
        code = Workstation(folder).initialise("CLI Testshire L&D",
                                              ["Northgate Custody Suite"], *ADMIN)
        session = Workstation(folder).unlock(*ADMIN)
        session.accounts.add_user(PRACT[0], Role.PRACTITIONER, PRACT[1])
        session.lock()
    return folder, code


@pytest.fixture
def run(cli_template: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Admin:
    folder = tmp_path / "store"
    shutil.copytree(cli_template[0], folder)
    return Admin(folder, monkeypatch, capsys)


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> Admin:
    return Admin(tmp_path / "new-store", monkeypatch, capsys)


# ---------------------------------------------------------------------------- init
def test_init_creates_a_store_and_prints_the_recovery_code_once(fresh: Admin) -> None:
    code = _init(fresh)
    assert RECOVERY.match(code), code
    assert {p.name for p in fresh.folder.iterdir()} >= {"ld-desktop.db", "keyslots.json"}
    assert (fresh.folder.stat().st_mode & 0o777) == 0o700
    status, out, _ = fresh.as_admin("users")
    assert status == 0
    assert ADMIN[0] in out
    assert code not in out


def test_init_twice_is_refused(fresh: Admin) -> None:
    _init(fresh)
    before = (fresh.folder / "keyslots.json").read_bytes()
    code, _, err = fresh("init", "--site", "X", "--admin", ADMIN[0], secrets=(ADMIN[1],))
    assert code == 2
    assert "already holds" in err
    assert (fresh.folder / "keyslots.json").read_bytes() == before


@pytest.mark.parametrize(
    ("passphrase", "message"),
    [("short", "at least 12"), ("aaaaaaaaaaaaaaaa", "too easy"),
     ("my name is admin1 okay", "must not contain your username")],
)
def test_init_with_a_weak_passphrase_is_refused(fresh: Admin, passphrase: str,
                                                message: str) -> None:
    code, _, err = fresh("init", "--site", "X", "--admin", ADMIN[0], secrets=(passphrase,))
    assert code == 2
    assert message in err
    assert not (fresh.folder / "ld-desktop.db").exists()


def test_init_needs_a_site_and_reports_usage(fresh: Admin) -> None:
    code, _, err = fresh("init", "--admin", ADMIN[0], secrets=(ADMIN[1],))
    assert code == 2
    assert "--site" in err


# ---------------------------------------------------------------------------- errors
def test_missing_store_is_a_usage_error(fresh: Admin) -> None:
    code, _, err = fresh.as_admin("users")
    assert code == 2
    assert "No L&D Desktop store" in err


def test_wrong_passphrase_is_an_authentication_failure(run: Admin) -> None:
    code, out, err = run("users", "--as", ADMIN[0], secrets=("not my passphrase at all",))
    assert code == 3
    assert "not recognised" in err
    assert out == ""


def test_missing_secret_on_stdin_is_a_usage_error(run: Admin) -> None:
    code, _, err = run("users", "--as", ADMIN[0], secrets=())
    assert code == 2
    assert "standard input" in err


def test_bad_role_is_a_usage_error(run: Admin) -> None:
    code, _, err = run.as_admin("add-user", "--username", "wiz1", "--role", "wizard",
                                extra=("a wizard passphrase",))
    assert code == 2
    assert "invalid choice" in err


def test_practitioner_cannot_add_users(run: Admin) -> None:
    code, _, err = run("add-user", "--as", PRACT[0], "--username", "sneaky",
                       "--role", "admin", secrets=(PRACT[1], "sneaky admin passphrase"))
    assert code == 3
    assert "may not manage users" in err
    assert run("users", "--as", "sneaky", secrets=("sneaky admin passphrase",))[0] == 3


def test_practitioner_cannot_read_the_audit_trail_or_verify(run: Admin) -> None:
    for command in ("audit", "verify"):
        code, _, err = run(command, "--as", PRACT[0], secrets=(PRACT[1],))
        assert code == 3, command
        assert "may not view the audit trail" in err


# ---------------------------------------------------------------------------- users
def test_add_user_then_they_can_unlock(run: Admin) -> None:
    code, out, _ = run.as_admin("add-user", "--username", "sen1", "--role", "senior",
                                "--name", "Sam Senior", extra=("senior person passphrase",))
    assert code == 0
    assert "Added sen1" in out
    code, out, _ = run("audit", "--as", "sen1", "--json", secrets=("senior person passphrase",))
    assert code == 0
    added = [e for e in json.loads(out) if e["action"] == "user-added"]
    assert added[-1]["detail"] == {"username": "sen1", "role": "senior"}
    assert added[-1]["user"] == ADMIN[0]


def test_add_user_twice_is_refused(run: Admin) -> None:
    code, _, err = run.as_admin("add-user", "--username", PRACT[0], "--role", "practitioner",
                                extra=("some other passphrase",))
    assert code == 2
    assert "already a user" in err
    assert run("users", "--as", PRACT[0], secrets=(PRACT[1],))[0] == 3  # role, not passphrase


def test_add_user_with_weak_passphrase_is_refused(run: Admin) -> None:
    code, _, err = run.as_admin("add-user", "--username", "weak1", "--role", "practitioner",
                                extra=("short",))
    assert code == 2
    assert "at least 12" in err
    code, out, _ = run.as_admin("users")
    assert "weak1" not in out


def test_users_lists_roles_and_state(run: Admin) -> None:
    code, out, _ = run.as_admin("users")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "active" in lines[ADMIN[0]]
    assert "active" in lines[PRACT[0]]


def test_remove_user_stops_them_unlocking(run: Admin) -> None:
    code, out, _ = run.as_admin("remove-user", "--username", PRACT[0])
    assert code == 0
    assert "can no longer unlock" in out
    code, _, err = run("stats", "--as", PRACT[0], secrets=(PRACT[1],))
    assert code == 3
    assert "not recognised" in err
    code, out, _ = run.as_admin("users")
    assert re.search(rf"^{PRACT[0]}\s.*removed", out, re.MULTILINE)


def test_remove_user_re_keys_the_database_and_rotate_keys_does_again(run: Admin) -> None:
    from ld_desktop.store.keyslots import KeySlotFile

    slots = run.folder / "keyslots.json"
    first = KeySlotFile.load(slots).unwrap_for_user(*ADMIN)
    code, out, err = run.as_admin("remove-user", "--username", PRACT[0])
    assert code == 0
    assert "re-encrypted with a new key (generation 2)" in out
    assert "Re-encrypting the database: 0%" in err
    assert "Done: 100%" in err
    second = KeySlotFile.load(slots).unwrap_for_user(*ADMIN)
    assert second != first
    code, out, err = run.as_admin("rotate-keys")
    assert code == 0
    assert "generation 3" in out
    assert KeySlotFile.load(slots).unwrap_for_user(*ADMIN) not in (first, second)
    code, out, _ = run.as_admin("verify")
    assert code == 0, out


def test_rotate_keys_can_print_a_new_recovery_code(run: Admin) -> None:
    """The old code stops working; the new one is printed once, for the service lead."""
    code, out, _ = run.as_admin("rotate-keys", "--new-recovery-code")
    assert code == 0
    assert "the old one no longer works" in out
    new_code = out.strip().splitlines()[-1]
    from ld_desktop.store.keyslots import KeySlotFile

    KeySlotFile.load(run.folder / "keyslots.json").open_recovery_slot(new_code).clear()


def test_rotate_keys_is_for_administrators_only(run: Admin) -> None:
    before = (run.folder / "keyslots.json").read_bytes()
    code, _, err = run("rotate-keys", "--as", PRACT[0], secrets=(PRACT[1],))
    assert code == 3
    assert "may not" in err
    assert (run.folder / "keyslots.json").read_bytes() == before


def test_remove_unknown_user_and_self(run: Admin) -> None:
    code, _, err = run.as_admin("remove-user", "--username", "ghost")
    assert code == 3
    assert "no user called 'ghost'" in err
    code, _, err = run.as_admin("remove-user", "--username", ADMIN[0])
    assert code == 2
    assert "cannot remove yourself" in err


# ---------------------------------------------------------------------------- passphrases
def test_passwd_changes_the_passphrase(run: Admin) -> None:
    new = "my second practitioner phrase"
    code, out, _ = run("passwd", "--as", PRACT[0], secrets=(PRACT[1], new))
    assert code == 0
    assert "Passphrase changed" in out
    assert run("stats", "--as", PRACT[0], secrets=(PRACT[1],))[0] == 3
    assert run("stats", "--as", PRACT[0], secrets=(new,))[0] == 0


def test_passwd_refuses_weak_or_unchanged_and_keeps_the_old_one(run: Admin) -> None:
    assert run("passwd", "--as", PRACT[0], secrets=(PRACT[1], "tiny"))[0] == 2
    code, _, err = run("passwd", "--as", PRACT[0], secrets=(PRACT[1], PRACT[1]))
    assert code == 2
    assert "must differ" in err
    assert run("passwd", "--as", PRACT[0], secrets=("wrong current phrase", "x" * 20))[0] == 3
    assert run("stats", "--as", PRACT[0], secrets=(PRACT[1],))[0] == 0


def test_recover_with_the_code(run: Admin, cli_template: tuple[Path, str]) -> None:
    code_text = cli_template[1]
    new = "recovered practitioner phrase"
    code, out, _ = run("recover", "--username", PRACT[0], secrets=(code_text, new))
    assert code == 0
    assert "New passphrase set" in out
    assert run("stats", "--as", PRACT[0], secrets=(PRACT[1],))[0] == 3
    assert run("stats", "--as", PRACT[0], secrets=(new,))[0] == 0
    code, out, _ = run.as_admin("audit", "--json")
    assert any(e["action"] == "passphrase-recovered" for e in json.loads(out))


def test_recover_with_a_wrong_code_fails(run: Admin) -> None:
    code, _, err = run("recover", "--username", PRACT[0],
                       secrets=("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", "recovered practitioner phrase"))
    assert code == 3
    assert "not recognised" in err
    assert run("stats", "--as", PRACT[0], secrets=(PRACT[1],))[0] == 0


def test_recover_for_an_unknown_user_fails(run: Admin, cli_template: tuple[Path, str]) -> None:
    slots_before = (run.folder / "keyslots.json").read_bytes()
    code, _, err = run("recover", "--username", "ghost",
                       secrets=(cli_template[1], "a spooky new passphrase"))
    assert code == 3
    assert "no user called 'ghost'" in err
    assert (run.folder / "keyslots.json").read_bytes() == slots_before


# ---------------------------------------------------------------------------- data
def test_demo_stats_and_audit(run: Admin) -> None:
    code, out, _ = run.as_admin("demo", "--cases", "7")
    assert code == 0
    assert "Added 7 fictional cases" in out
    code, out, _ = run.as_admin("stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["cases"] == 7
    assert stats["persons"] == 7
    assert stats["pending_outbox_ops"] >= 14
    code, out, _ = run.as_admin("stats")
    assert re.search(r"^cases\s+7$", out, re.MULTILINE)
    code, out, _ = run.as_admin("audit", "--json")
    everything = json.loads(out)
    assert "demo-data-added" in {e["action"] for e in everything}
    code, out, _ = run.as_admin("audit", "--json", "--limit", "5")
    events = json.loads(out)
    assert len(events) == 5
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    # the newest five: after the first listing came its view-audit and lock, then this unlock
    assert events[-1]["seq"] == everything[-1]["seq"] + 3
    code, out, _ = run.as_admin("audit")
    assert code == 0
    assert "demo-data-added" in out


def test_audit_for_one_case(run: Admin) -> None:
    from ld_desktop.services.cases import ReferralDraft
    from ld_desktop.services.persons import PersonDraft
    from ld_desktop.services.workstation import Workstation

    prac = Workstation(run.folder).unlock(*PRACT)
    person = prac.persons.register(PersonDraft("Audra", "Casewise"), prac.site_ids[0])
    case = prac.cases.new_referral(ReferralDraft(person.id, prac.site_ids[0], "court", "court"))
    prac.cases.open(case.id)
    prac.lock()
    code, out, _ = run.as_admin("audit", "--case", str(case.id), "--json")
    assert code == 0
    assert [e["action"] for e in json.loads(out)] == ["create", "view"]
    assert run.as_admin("audit", "--case", "not-a-uuid")[0] == 2


def test_demo_with_a_silly_count_is_refused(run: Admin) -> None:
    code, _, err = run.as_admin("demo", "--cases", "0")
    assert code == 2
    assert "between 1 and 200000" in err


def test_verify_intact_store(run: Admin) -> None:
    code, out, _ = run.as_admin("verify")
    assert code == 0
    assert "Database intact; audit chain intact" in out


# ---------------------------------------------------------------------------- real processes
def _ld_admin(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LD_DESKTOP_KDF_PROFILE": "fast", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "ld_desktop.cli.admin", *argv], input=stdin, text=True,
        capture_output=True, env=env, timeout=60, check=False)


def test_subprocess_exit_codes_without_tracebacks(run: Admin, tmp_path: Path) -> None:
    store = str(run.folder)
    ok = _ld_admin("stats", "--data-dir", store, "--as", ADMIN[0], "--passphrase-stdin",
                   "--json", stdin=ADMIN[1] + "\n")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["persons"] == 0
    cases = [
        (2, ["users", "--data-dir", str(tmp_path / "none"), "--as", "x"], ADMIN[1]),
        (2, ["add-user", "--data-dir", store, "--as", ADMIN[0], "--username", "w1",
             "--role", "wizard"], ADMIN[1]),
        (3, ["add-user", "--data-dir", store, "--as", PRACT[0], "--username", "w2",
             "--role", "admin"], PRACT[1] + "\nanother good phrase"),
        (3, ["users", "--data-dir", store, "--as", ADMIN[0]], "wrong passphrase here"),
        (2, ["no-such-command"], ""),
    ]
    for expected, argv, secrets in cases:
        done = _ld_admin(*argv, "--passphrase-stdin", stdin=secrets + "\n")
        assert done.returncode == expected, (argv, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip(), f"no message for {argv}"


def test_users_names_slots_still_in_the_old_key_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = ROOT / "tests" / "store" / "fixtures" / "keyslots_v1"
    manifest = json.loads((fixture / "manifest.json").read_text())
    folder = tmp_path / "v1"
    shutil.copytree(fixture, folder)
    run = Admin(folder, monkeypatch, capsys)
    admin = manifest["admin"]
    code, out, _ = run("users", "--as", admin[0], secrets=(admin[1],))
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "old key format" in lines[manifest["senior"][0]]
    assert "old key format" not in lines[admin[0]]       # bound at this very unlock
