"""Roles and the permission table: who may do what. Services enforce it; the UI hides what a
role may not do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    SENIOR = "senior"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Role.PRACTITIONER: "Practitioner",
    Role.SENIOR: "Senior practitioner",
    Role.ADMIN: "Administrator",
}


class Permission(StrEnum):
    VIEW_RECORDS = "view-records"
    EDIT_RECORDS = "edit-records"            # referrals, persons, clinical entries
    SHARE_INFORMATION = "share-information"
    REVIEW_ESCALATIONS = "review-escalations"
    RESOLVE_CONFLICTS = "resolve-conflicts"
    SIGN_OFF_HANDOVER = "sign-off-handover"
    MANAGE_ROTA = "manage-rota"
    MANAGE_USERS = "manage-users"
    CONFIGURE = "configure"                  # targets, auto-lock, instruments import
    VIEW_AUDIT = "view-audit"
    SYNC = "sync"
    ENROL_DEVICE = "enrol-device"
    RUN_DEMO_SEED = "run-demo-seed"
    PRODUCE_RETURNS = "produce-returns"      # the monthly return to the commissioner
    MERGE_RECORDS = "merge-records"          # merge two people (and undo a merge)


_CLINICAL = {
    Permission.VIEW_RECORDS,
    Permission.EDIT_RECORDS,
    Permission.SHARE_INFORMATION,
    Permission.SYNC,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PRACTITIONER: frozenset(_CLINICAL),
    Role.SENIOR: frozenset(
        _CLINICAL
        | {
            Permission.REVIEW_ESCALATIONS,
            Permission.RESOLVE_CONFLICTS,
            Permission.SIGN_OFF_HANDOVER,
            Permission.MANAGE_ROTA,
            Permission.VIEW_AUDIT,
            Permission.PRODUCE_RETURNS,
            Permission.MERGE_RECORDS,
        }
    ),
    # Administrators run the workstation; they do not read clinical records (need-to-know).
    Role.ADMIN: frozenset(
        {
            Permission.MANAGE_USERS,
            Permission.CONFIGURE,
            Permission.VIEW_AUDIT,
            Permission.SYNC,
            Permission.ENROL_DEVICE,
            Permission.RUN_DEMO_SEED,
        }
    ),
}


class PermissionDenied(PermissionError):
    def __init__(self, role: Role, permission: Permission) -> None:
        article = "An" if role.label[0].lower() in "aeiou" else "A"
        super().__init__(f"{article} {role.label.lower()} may not {_ACTIONS[permission]}.")
        self.role = role
        self.permission = permission


_ACTIONS = {
    Permission.VIEW_RECORDS: "view people and cases",
    Permission.EDIT_RECORDS: "change people or cases",
    Permission.SHARE_INFORMATION: "share information",
    Permission.REVIEW_ESCALATIONS: "review escalations",
    Permission.RESOLVE_CONFLICTS: "resolve record conflicts",
    Permission.SIGN_OFF_HANDOVER: "sign off a handover",
    Permission.MANAGE_ROTA: "change the rota",
    Permission.MANAGE_USERS: "manage users",
    Permission.CONFIGURE: "change settings",
    Permission.VIEW_AUDIT: "view the audit trail",
    Permission.SYNC: "sync",
    Permission.ENROL_DEVICE: "enrol this workstation",
    Permission.RUN_DEMO_SEED: "create demonstration data",
    Permission.PRODUCE_RETURNS: "produce the monthly return",
    Permission.MERGE_RECORDS: "merge people's records",
}


def may(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def require(role: Role, permission: Permission) -> None:
    if not may(role, permission):
        raise PermissionDenied(role, permission)
