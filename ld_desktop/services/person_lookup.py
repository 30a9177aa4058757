"""Finding a person first seen at another site: an exact lookup on the sync server, for an
open case at one of my sites, recorded on the server and in this workstation's audit; the
people found are then shared with the case's site and a sync brings them in.

The lookup needs the network: offline, it says so and nothing changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import httpx

from ld_desktop.domain import nhs_number as nhs
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.services.session import UserSession
from ld_desktop.services.sync_service import SyncService
from ld_desktop.services.views import Changes
from ld_desktop.store.sync_state import device_state
from sync.client import DeviceCredentials, ServerRefused, ServerUnreachable, SyncError
from sync.client.lookup import look_up_person
from sync.client.transport import Verify
from sync.lookup import PersonLookupRequest


class LookupUnavailable(Exception):
    """The lookup could not be made (offline, not enrolled, refused): nothing changed."""


@dataclass(frozen=True)
class CaseChoice:
    case_id: uuid.UUID
    site_id: uuid.UUID
    label: str


@dataclass(frozen=True)
class LookupOutcome:
    found: tuple[str, ...]          # "Family, Given (date of birth)" of each person found
    too_many: bool
    synced: bool = True             # False: the people found arrive with the next sync


class PersonLookupService:
    def __init__(self, session: UserSession, *, transport: httpx.BaseTransport | None = None,
                 verify: Verify = True) -> None:
        self._s = session
        self._transport = transport
        self._verify = verify

    def cases(self) -> list[CaseChoice]:
        """The open cases at my sites a lookup can be for."""
        return [CaseChoice(row.id, row.site_id,
                           f"{row.person_name} · {row.site_name}"
                           + (f" · {row.custody_record_number}"
                              if row.custody_record_number else ""))
                for row in self._s.cases.caseload()]

    def find(self, case: CaseChoice, reason: str, *, nhs_number: str = "",
             family_name: str = "", given_name: str = "",
             date_of_birth: date | None = None) -> LookupOutcome:
        """Exact NHS number, or surname + given name + date of birth. Raises ValueError
        (what to fix) or LookupUnavailable (offline, not enrolled, refused)."""
        self._s.require(Permission.EDIT_RECORDS)
        self._s.require(Permission.SYNC)
        if not reason.strip():
            raise ValueError("Say why you are looking this person up.")
        number = nhs.normalise(nhs_number) if nhs_number.strip() else None
        if number is None and not (family_name.strip() and given_name.strip()
                                   and date_of_birth):
            raise ValueError("Give an NHS number, or surname, given name and date of birth.")
        request = PersonLookupRequest(
            user=self._s.user.username, site_id=str(case.site_id), case_id=case.case_id,
            reason=reason.strip(), nhs_number=number,
            family_name=None if number else family_name.strip(),
            given_name=None if number else given_name.strip(),
            date_of_birth=None if number else date_of_birth)
        try:
            answer = look_up_person(self._credentials(), request, transport=self._transport,
                                    verify=self._verify)
        except ServerUnreachable as exc:
            raise LookupUnavailable("The lookup needs the sync server, which cannot be "
                                    "reached (offline?). Nothing was looked up.") from exc
        except ServerRefused as exc:
            raise LookupUnavailable(f"The server refused the lookup: {exc.detail}") from exc
        by = "nhs_number" if number else "name_and_date_of_birth"
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            detail = {"lookup_id": str(answer.lookup_id), "by": by,
                      "site_id": str(case.site_id), "found": len(answer.matches),
                      "too_many": answer.too_many}
            if not answer.matches:
                uow.audit("person-lookup", case_id=case.case_id, detail=detail)
            for match in answer.matches:
                uow.audit("person-lookup", entity=SyncedEntity.PERSON, entity_id=match.entity_id,
                          case_id=case.case_id, detail=detail)
        synced = True
        if answer.matches:
            try:
                SyncService(self._s, transport=self._transport, verify=self._verify).sync()
            except SyncError:
                synced = False          # shared on the server: the next sync brings them
            self._s.bus.publish(Changes(frozenset({SyncedEntity.PERSON})))
        return LookupOutcome(tuple(_label(m.fields) for m in answer.matches), answer.too_many,
                             synced)

    def _credentials(self) -> DeviceCredentials:
        with self._s.store.reading() as db:
            enrolment = dict(device_state(db).enrolment)
        if not enrolment.get("credentials") or enrolment.get("revoked"):
            raise LookupUnavailable("This workstation is not enrolled with a sync server, so "
                                    "it cannot look up people at other sites.")
        return DeviceCredentials.from_json(enrolment["credentials"])


def _label(fields: dict[str, object]) -> str:
    born = fields.get("date_of_birth")
    shown = (date.fromisoformat(born).strftime("%d/%m/%Y") if isinstance(born, str)
             else "date of birth not known")
    return f"{fields.get('family_name', '?')}, {fields.get('given_name', '?')} ({shown})"
