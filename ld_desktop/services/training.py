"""The training workstation: its own encrypted store of fictional scenarios, marked as training.

- `ld-desktop --training` opens it (created on first use in its own folder, never the live
  store's), with an unmistakable banner and TRAINING watermarks on every PDF.
- The store carries a `training-workstation` setting: `SyncService.enrol` tells the server,
  a live server refuses a training workstation and a training workstation refuses a live
  server (both ends check), so fictional data never reaches live records.
- A trainer (the training administrator) can reset it to the starting scenarios.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import platformdirs

from ld_desktop.domain.roles import Permission, Role
from ld_desktop.services.demo_scenarios import conflict_scene
from ld_desktop.services.session import UserSession
from ld_desktop.services.training_scenarios import SCENARIOS, seed_scenario_cases
from ld_desktop.services.workstation import Workstation
from ld_desktop.store.staff_queries import get_setting, put_setting

TRAINING_SITES = ["Training Custody Suite (TRAINING)", "Training Magistrates' Court (TRAINING)"]
TRAINING_ACCOUNTS: dict[str, tuple[Role, str]] = {
    "trainee.practitioner": (Role.PRACTITIONER, "trainee practitioner passphrase"),
    "trainee.senior": (Role.SENIOR, "trainee senior passphrase"),
    "trainer.admin": (Role.ADMIN, "trainer admin passphrase"),
}
TRAINER = "trainer.admin"
TRAINING_SETTING = "training-workstation"
MARKER_FILE = "TRAINING-WORKSTATION.txt"
BANNER = ("TRAINING — NOT A REAL PERSON. Fictional scenarios only; this workstation syncs "
          "with a training server only.")
WATERMARK = "TRAINING — NOT A REAL PERSON"


@dataclass(frozen=True)
class TrainingStore:
    data_dir: Path
    accounts: dict[str, tuple[Role, str]]
    scenario_cases: dict[str, list[str]]


def default_training_dir() -> Path:
    """Beside, never inside, the live store's folder."""
    override = os.environ.get("LD_DESKTOP_TRAINING_HOME")
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_data_dir("ld-desktop-training", appauthor=False))


def is_training_folder(folder: Path) -> bool:
    return (folder / MARKER_FILE).is_file()


def is_training(session: UserSession) -> bool:
    """The store's own word (encrypted, audited), whatever the folder or the command line."""
    with session.store.reading() as db:
        return bool((get_setting(db, TRAINING_SETTING) or {}).get("training"))


def scenario_case_ids(session: UserSession) -> dict[str, list[uuid.UUID]]:
    """Each scenario's cases in this training store (empty for a live store)."""
    with session.store.reading() as db:
        state = get_setting(db, TRAINING_SETTING) or {}
    return {key: [uuid.UUID(value) for value in values]
            for key, values in dict(state.get("scenario_cases", {})).items()}


def accounts_hint() -> str:
    return "Training accounts (fictional data):\n" + "\n".join(
        f"  {name}  /  {passphrase}  ({role.label})"
        for name, (role, passphrase) in TRAINING_ACCOUNTS.items())


def create_training_store(folder: Path) -> TrainingStore:
    """A new training store in `folder` (which must not hold a store yet)."""
    # Fictional data with its passphrases shown on screen: cheap key derivation keeps the
    # start and the trainer's reset quick. Live stores never use this profile.
    os.environ["LD_DESKTOP_KDF_PROFILE"] = "fast"
    workstation = Workstation(folder)
    if workstation.is_initialised:
        raise ValueError(f"{folder} already holds a store")
    workstation.initialise("Training L&D service (fictional)", TRAINING_SITES, TRAINER,
                           TRAINING_ACCOUNTS[TRAINER][1], "Trainer (fictional)")
    admin = workstation.unlock(TRAINER, TRAINING_ACCOUNTS[TRAINER][1])
    try:
        for name, (role, passphrase) in TRAINING_ACCOUNTS.items():
            if name != TRAINER:
                admin.accounts.add_user(name, role, passphrase,
                                        display_name=f"Trainee {role.label} (fictional)")
        with admin.store.unit_of_work(admin.user.username) as uow:
            made = seed_scenario_cases(uow, admin.site_ids, admin.now(), "trainee.practitioner")
            put_setting(uow.session, TRAINING_SETTING, {
                "training": True,
                "scenario_cases": {key: [str(c) for c in cases] for key, cases in made.items()}})
            uow.audit("training-store-created", detail={"scenarios": len(SCENARIOS)})
    finally:
        admin.lock("training set-up")
    senior = workstation.unlock("trainee.senior", TRAINING_ACCOUNTS["trainee.senior"][1])
    try:
        conflict_scene(senior, made["sync-conflict"][0])
        _seed_rota(senior)
    finally:
        senior.lock("training set-up")
    (folder / MARKER_FILE).write_text(
        "This folder holds an L&D Desktop TRAINING workstation: fictional data only.\n",
        encoding="utf-8")
    return TrainingStore(folder, dict(TRAINING_ACCOUNTS),
                         {key: [str(case) for case in cases] for key, cases in made.items()})


def _seed_rota(senior: UserSession) -> None:
    custody, court = senior.sites[0].id, senior.sites[-1].id
    today = senior.now().date()
    for offset in (-1, 0, 1):
        day = today + timedelta(days=offset)
        senior.rota.assign(custody, day, "07:00", "15:00", "trainee.practitioner")
        senior.rota.assign(court, day, "09:00", "17:00", "trainee.senior")


def check_can_reset(session: UserSession, folder: Path) -> None:
    """Raises PermissionError unless this is a trainer on a training workstation."""
    session.require(Permission.CONFIGURE)
    if not is_training(session) or not is_training_folder(folder):
        raise PermissionError("Only a training workstation can be reset.")


def reset_training_store(session: UserSession, folder: Path) -> TrainingStore:
    """The trainer's reset: back to the starting scenarios. Training stores and
    administrators only; the session is locked and the folder's store replaced."""
    check_can_reset(session, folder)
    session.lock("training reset by the trainer")
    return recreate_training_store(folder)


def recreate_training_store(folder: Path) -> TrainingStore:
    """Remove the training store in `folder` (not its logs) and create it afresh. Refuses a
    folder that is not marked as a training workstation."""
    if not is_training_folder(folder):
        raise PermissionError(f"{folder} is not a training workstation.")
    for entry in folder.iterdir():
        if entry.name == "logs":
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return create_training_store(folder)

