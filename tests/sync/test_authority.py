"""Issue 12, item 2, written as the attacker: a device enrolled for one site tries to change
the staff directory, decide clashes or sign screenings without the authority to do so. Every
test runs against the SQLite and the PostgreSQL server."""

from __future__ import annotations

import base64
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync_harness import Harness

from sync.authority_wire import AdminBootstrap
from sync.client import DeviceCredentials, ServerRefused
from sync.client.transport import SignedSession
from sync.hlc import HybridLogicalClock
from sync.op_signing import (
    attest,
    bootstrap_message,
    public_key_text,
    staff_id_for,
)
from sync.protocol import (
    Op,
    OpKind,
    OpResult,
    OpStatus,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.server.authority import issue_admin_code
from sync.server.registry import RegistryError

ADMIN = "admin1"
MAX_HLC = "9" * 15 + "-99999-zzzz"


@dataclass
class Device:
    """An enrolled device that builds ops by hand, as an attacker with the project's code."""

    credentials: DeviceCredentials
    harness: Harness
    seq: int = 0

    def __post_init__(self) -> None:
        self.clock = HybridLogicalClock(self.credentials.device_id)

    def op(self, entity: str, entity_id: uuid.UUID, fields: dict[str, Any], *,
           user: str = ADMIN, kind: OpKind = OpKind.UPSERT, hlc: str | None = None,
           signer: Ed25519PrivateKey | None = None, signed_as: str | None = None,
           sites: list[str] | None = None) -> Op:
        self.seq += 1
        op_id = uuid.uuid4()
        hlc = hlc or self.clock.now().encode()
        if signer is not None:
            fields = {**fields, "attestation": attest(
                signer, signer=signed_as or user, op_id=op_id, entity=entity, entity_id=entity_id,
                hlc=hlc, fields=fields)}
        return Op(op_id=op_id, device_id=self.credentials.device_id, device_seq=self.seq,
                  hlc=hlc, user=user, schema_version=1, entity=entity, entity_id=entity_id,
                  kind=kind, sites=sites or [], fields=fields,
                  base_versions={name: None for name in fields})

    def push(self, *ops: Op) -> list[OpResult]:
        with self._session() as session:
            body = PushRequest(ops=list(ops)).model_dump(mode="json")
            return PushResponse.model_validate(session.call("POST", "/v1/push", body)).results

    def pull(self) -> PullResponse:
        with self._session() as session:
            body = PullRequest(cursor=0, limit=500).model_dump(mode="json")
            return PullResponse.model_validate(session.call("POST", "/v1/pull", body))

    def register_root(self, code: str, username: str, key: Ed25519PrivateKey) -> Any:
        public = public_key_text(key)
        proof = base64.b64encode(key.sign(bootstrap_message(code, username, public))).decode()
        body = AdminBootstrap(code=code, username=username, public_key=public, proof=proof)
        with self._session() as session:
            return session.call("POST", "/v1/authority/root", body.model_dump())

    def _session(self) -> SignedSession:
        return SignedSession(self.credentials, "http://127.0.0.1", transport=self.harness.bridge)


def staff_fields(username: str, role: str, key: Ed25519PrivateKey | None, *,
                 active: bool = True) -> dict[str, Any]:
    return {"username": username, "display_name": username.title(), "role": role,
            "site_ids": [], "active": active,
            "signing_keys": [public_key_text(key)] if key else []}


@dataclass
class Service:
    """A service whose first administrator registered with an admin code, and who added a
    practitioner (prac1) and a senior (senior1), each with their own key."""

    leeds: Device
    york: Device
    admin_key: Ed25519PrivateKey
    prac_key: Ed25519PrivateKey
    senior_key: Ed25519PrivateKey


def _device(harness: Harness, site: str) -> Device:
    return Device(harness.enrol(site, name=f"{site} workstation"), harness)


@pytest.fixture
def service(harness: Harness) -> Service:
    leeds, york = _device(harness, "Leeds Custody"), _device(harness, "York Custody")
    admin_key, prac_key, senior_key = (Ed25519PrivateKey.generate() for _ in range(3))
    leeds.register_root(issue_admin_code(harness.engine), ADMIN, admin_key)
    results = leeds.push(
        leeds.op("staff", staff_id_for(ADMIN), staff_fields(ADMIN, "admin", admin_key),
                 signer=admin_key),
        leeds.op("staff", staff_id_for("prac1"), staff_fields("prac1", "practitioner",
                                                              prac_key), signer=admin_key),
        leeds.op("staff", staff_id_for("senior1"), staff_fields("senior1", "senior",
                                                                senior_key), signer=admin_key))
    assert [r.status for r in results] == [OpStatus.APPLIED] * 3, results
    return Service(leeds, york, admin_key, prac_key, senior_key)


def _staff(device: Device, username: str) -> dict[str, Any]:
    records = {(r.entity, r.entity_id): r for r in device.pull().records}
    return dict(records[("staff", staff_id_for(username))].fields)


def _refused(result: OpResult, words: str) -> None:
    assert result.status is OpStatus.REJECTED, result
    assert result.error is not None
    assert words in result.error, result.error


# ---------------------------------------------------------------------- the directory
def test_a_plain_device_cannot_make_anyone_admin(service: Service) -> None:
    york = service.york
    [result] = york.push(york.op("staff", staff_id_for("prac1"), {"role": "admin"},
                                 user="prac1"))
    _refused(result, "must carry its user's signature")
    assert _staff(york, "prac1")["role"] == "practitioner"


def test_a_practitioner_cannot_sign_themself_admin(service: Service) -> None:
    york = service.york
    [result] = york.push(york.op("staff", staff_id_for("prac1"), {"role": "admin"},
                                 user="prac1", signer=service.prac_key))
    _refused(result, "not an active administrator's")
    assert _staff(york, "prac1")["role"] == "practitioner"


def test_deactivating_an_admin_with_the_largest_clock_is_refused(service: Service) -> None:
    york = service.york
    unsigned = york.op("staff", staff_id_for(ADMIN), {"active": False}, user="prac1",
                       hlc=MAX_HLC)
    by_senior = york.op("staff", staff_id_for(ADMIN), {"active": False}, user="senior1",
                        hlc=MAX_HLC, signer=service.senior_key)
    first, second = york.push(unsigned, by_senior)
    _refused(first, "must carry its user's signature")
    _refused(second, "not an active administrator's")
    assert _staff(york, ADMIN)["active"] is True


def test_a_forged_signature_is_refused(service: Service) -> None:
    york = service.york
    op = york.op("staff", staff_id_for("prac1"), {"role": "admin"}, signer=service.admin_key)
    forged = dict(op.fields["attestation"])
    forged["sig"] = base64.b64encode(bytes(64)).decode()
    [result] = york.push(op.model_copy(update={"fields": {**op.fields, "attestation": forged}}))
    _refused(result, "does not verify")
    # an attacker's own key, claiming to be the admin's
    york.seq += 1
    stranger = york.op("staff", staff_id_for("prac1"), {"role": "admin"},
                       signer=Ed25519PrivateKey.generate())
    [result] = york.push(stranger)
    _refused(result, "not an active administrator's")
    assert _staff(york, "prac1")["role"] == "practitioner"


def test_a_genuine_signature_replayed_on_another_op_is_refused(service: Service) -> None:
    leeds, york = service.leeds, service.york
    genuine = leeds.op("staff", staff_id_for("senior1"), {"role": "admin"},
                       signer=service.admin_key)
    # the attacker lifts the admin's signature onto other values, another record, another op
    lifted = york.op("staff", staff_id_for("prac1"), {"role": "admin"})
    lifted = lifted.model_copy(update={"fields": {**lifted.fields,
                                                  "attestation": genuine.fields["attestation"]}})
    [result] = york.push(lifted)
    _refused(result, "signature is for another change")
    same_record = york.op("staff", staff_id_for("senior1"), {"role": "admin"})
    same_record = same_record.model_copy(update={
        "fields": genuine.fields, "op_id": uuid.uuid4()})
    [result] = york.push(same_record)
    _refused(result, "signature is for another change")
    assert _staff(york, "senior1")["role"] == "senior"


def test_the_signer_must_be_the_ops_user(service: Service) -> None:
    york = service.york
    [result] = york.push(york.op("staff", staff_id_for("prac1"), {"role": "admin"},
                                 user="prac1", signer=service.admin_key, signed_as=ADMIN))
    # signed by admin1's key but in prac1's name: the statement names admin1 as signer
    _refused(result, "not by the op's user")


def test_a_real_admin_change_is_accepted_and_reaches_other_sites(service: Service) -> None:
    leeds, york = service.leeds, service.york
    [result] = leeds.push(leeds.op("staff", staff_id_for("senior1"), {"role": "admin"},
                                   signer=service.admin_key))
    assert result.status is not OpStatus.REJECTED, result
    assert _staff(york, "senior1")["role"] == "admin"
    # senior1 is an administrator now: their key signs directory changes
    [result] = york.push(york.op("staff", staff_id_for("prac1"), {"active": False},
                                 user="senior1", signer=service.senior_key))
    assert result.status is not OpStatus.REJECTED, result
    assert _staff(york, "prac1")["active"] is False


def test_a_demoted_admins_key_no_longer_counts(service: Service) -> None:
    leeds = service.leeds
    promote = leeds.op("staff", staff_id_for("senior1"), {"role": "admin"},
                       signer=service.admin_key)
    demote = leeds.op("staff", staff_id_for("senior1"), {"role": "senior"},
                      signer=service.admin_key)
    assert OpStatus.REJECTED not in [r.status for r in leeds.push(promote, demote)]
    [result] = leeds.push(leeds.op("staff", staff_id_for("prac1"), {"role": "admin"},
                                   user="senior1", signer=service.senior_key))
    _refused(result, "not an active administrator's")


def test_sites_change_only_under_an_admins_signature(service: Service) -> None:
    york = service.york
    site = uuid.uuid4()
    [result] = york.push(york.op("site", site, {"name": "Rogue Site", "kind": "custody"},
                                 user="prac1", signer=service.prac_key))
    _refused(result, "not an active administrator's")
    [result] = york.push(york.op("site", site, {"name": "New Site", "kind": "custody"},
                                 signer=service.admin_key))
    assert result.status is OpStatus.APPLIED


def test_directory_changes_are_refused_before_any_admin_is_registered(
        harness: Harness) -> None:
    device = _device(harness, "Leeds Custody")
    key = Ed25519PrivateKey.generate()
    [result] = device.push(device.op("staff", staff_id_for(ADMIN),
                                     staff_fields(ADMIN, "admin", key), signer=key))
    _refused(result, "no administrator is registered")


# ---------------------------------------------------------------------- bootstrap
def test_a_second_admin_code_is_refused_once_an_admin_exists(service: Service,
                                                             harness: Harness) -> None:
    with pytest.raises(RegistryError) as refused:
        issue_admin_code(harness.engine)
    assert refused.value.code == "admin_exists"


def test_an_unused_earlier_code_cannot_make_a_second_first_admin(harness: Harness) -> None:
    leeds, york = _device(harness, "Leeds Custody"), _device(harness, "York Custody")
    first, spare = issue_admin_code(harness.engine), issue_admin_code(harness.engine)
    leeds.register_root(first, ADMIN, Ed25519PrivateKey.generate())
    with pytest.raises(ServerRefused) as refused:
        york.register_root(spare, "mallory", Ed25519PrivateKey.generate())
    assert refused.value.status == 409
    with pytest.raises(ServerRefused) as refused:   # and a used code is spent
        york.register_root(first, "mallory", Ed25519PrivateKey.generate())
    assert refused.value.status == 409


def test_an_admin_code_needs_proof_of_the_key(harness: Harness) -> None:
    device = _device(harness, "Leeds Custody")
    code = issue_admin_code(harness.engine)
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    public = public_key_text(key)
    proof = base64.b64encode(other.sign(bootstrap_message(code, ADMIN, public))).decode()
    body = AdminBootstrap(code=code, username=ADMIN, public_key=public, proof=proof)
    with pytest.raises(ServerRefused) as refused, device._session() as session:
        session.call("POST", "/v1/authority/root", body.model_dump())
    assert refused.value.status == 422
    with pytest.raises(ServerRefused) as refused:
        device.register_root("AAAA-BBBB-CCCC-DDDD", ADMIN, key)
    assert refused.value.status == 403


def test_admin_code_command_refuses_a_second_first_admin(service: Service,
                                                         harness: Harness) -> None:
    url = harness.engine.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-m", "sync.server.cli", "admin-code",
                           "--database-url", url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "already registered" in done.stderr


# ---------------------------------------------------------------------- decisions, sign-offs
LEEDS = str(uuid.uuid5(uuid.NAMESPACE_URL, "ld-desktop:site:leeds custody"))


def _clash(service: Service) -> uuid.UUID:
    leeds = service.leeds
    site = LEEDS
    case = uuid.uuid4()
    leeds.push(leeds.op("case", case, {"urgency": "soon"}, user="prac1", sites=[site]))
    [result] = leeds.push(leeds.op("case", case, {"urgency": "urgent"}, user="prac1",
                                   sites=[site]))
    assert result.status is OpStatus.CONFLICT
    return result.conflict_ids[0]


def test_a_conflict_decision_needs_a_seniors_own_signature(service: Service) -> None:
    leeds = service.leeds
    conflict = _clash(service)
    decision = {"value": "urgent", "reason": "checked with the custody sergeant"}
    unsigned = leeds.op("conflict", conflict, decision, user="senior1", kind=OpKind.RESOLVE)
    by_prac = leeds.op("conflict", conflict, decision, user="prac1", kind=OpKind.RESOLVE,
                       signer=service.prac_key)
    in_seniors_name = leeds.op("conflict", conflict, decision, user="senior1",
                               kind=OpKind.RESOLVE, signer=service.prac_key, signed_as="prac1")
    with_prac_key = leeds.op("conflict", conflict, decision, user="senior1",
                             kind=OpKind.RESOLVE, signer=service.prac_key)
    results = leeds.push(unsigned, by_prac, in_seniors_name, with_prac_key)
    _refused(results[0], "must carry its user's signature")
    _refused(results[1], "not a senior practitioner")
    _refused(results[2], "not by the op's user")
    _refused(results[3], "not registered to an active user")
    signed = leeds.op("conflict", conflict, decision, user="senior1", kind=OpKind.RESOLVE,
                      signer=service.senior_key)
    [result] = leeds.push(signed)
    assert result.status is OpStatus.APPLIED
    [state] = [c for c in leeds.pull().conflicts if c.conflict_id == conflict]
    assert state.resolution is not None
    assert state.resolution["attestation"]["signer"] == "senior1"


def test_a_screening_sign_off_needs_its_signers_signature(service: Service) -> None:
    leeds = service.leeds
    screening = uuid.uuid4()
    fields = {"state": "signed-off", "signed_off_by": "senior1"}
    results = leeds.push(
        leeds.op("screening", screening, fields, user="senior1", sites=[LEEDS]),
        leeds.op("screening", screening, fields, user="prac1", signer=service.prac_key,
                 sites=[LEEDS]),
        leeds.op("screening", screening, {**fields, "signed_off_by": "prac1"}, user="senior1",
                 signer=service.senior_key, sites=[LEEDS]))
    _refused(results[0], "must carry its user's signature")
    _refused(results[1], "another user's name")
    _refused(results[2], "another user's name")
    [result] = leeds.push(leeds.op("screening", screening, fields, user="senior1",
                                   signer=service.senior_key, sites=[LEEDS]))
    assert result.status is OpStatus.APPLIED


def test_a_signed_op_in_the_name_of_a_lone_surrogate_is_refused_not_a_500(
        service: Service) -> None:
    york = service.york
    op = york.op("staff", staff_id_for("prac1"), {"role": "admin"}).model_dump(mode="json")
    op["user"] = "\udc80evil"       # only raw JSON can carry it: pydantic refuses to build it
    with pytest.raises(ServerRefused) as refused, york._session() as session:
        session.call("POST", "/v1/push", {"protocol": 1, "ops": [op]})
    assert refused.value.status == 422
