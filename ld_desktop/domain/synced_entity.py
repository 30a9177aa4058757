"""The names of the record types that sync: one vocabulary for the models, the outbox and the
wire, change notices, the audit trail and the UI.

Each value is the record type's name on the wire and its table name; a value never changes
(the server, older workstations and the migrations all hold it). Adding a synced entity
starts here (CONTRIBUTING.md, "Adding a synced entity").
"""

from __future__ import annotations

from enum import StrEnum


class SyncedEntity(StrEnum):
    SITE = "site"
    STAFF = "staff"
    PERSON = "person"
    CASE = "case"
    OUTCOME = "outcome"
    CONSENT = "consent"
    SCREENING = "screening"
    RISK_ASSESSMENT = "risk_assessment"
    ESCALATION = "escalation"
    ONWARD_REFERRAL = "onward_referral"
    SUPPORT_ACTION = "support_action"
    NOTE = "note"
    SKIPPED_SUGGESTION = "skipped_suggestion"
    INFORMATION_SHARE = "information_share"
    HANDOVER_NOTE = "handover_note"
    HANDOVER_ACK = "handover_ack"
    ROTA_ENTRY = "rota_entry"
    RECORD_CHANGE = "record_change"
