"""All mapped tables. Importing this package registers every table on ``Base.metadata``."""

from ld_desktop.store.models.base import Base, SyncedRecord, utcnow
from ld_desktop.store.models.cases import Case, Outcome
from ld_desktop.store.models.clinical import (
    Consent,
    Escalation,
    InformationShare,
    Note,
    OnwardReferral,
    RiskAssessment,
    Screening,
    SkippedSuggestion,
    SupportAction,
)
from ld_desktop.store.models.history import RecordChange
from ld_desktop.store.models.people import Person, Site, StaffMember
from ld_desktop.store.models.quarantine import QuarantinedRecord
from ld_desktop.store.models.shift import HandoverAcknowledgement, HandoverNote, RotaEntry
from ld_desktop.store.models.system import (
    AuditEvent,
    ConflictRecord,
    DeviceState,
    FormDraft,
    ImportedInstrument,
    OutboxOp,
    Setting,
)

SYNCED_MODELS: dict[str, type[SyncedRecord]] = {
    m.__entity__: m
    for m in (
        Site, StaffMember, Person, Case, Outcome, Consent, Screening, RiskAssessment,
        Escalation, OnwardReferral, SupportAction, Note, SkippedSuggestion, InformationShare,
        HandoverNote,
        HandoverAcknowledgement, RotaEntry, RecordChange,
    )
}

__all__ = [
    "SYNCED_MODELS",
    "AuditEvent",
    "Base",
    "Case",
    "ConflictRecord",
    "Consent",
    "DeviceState",
    "Escalation",
    "FormDraft",
    "HandoverAcknowledgement",
    "HandoverNote",
    "ImportedInstrument",
    "InformationShare",
    "Note",
    "OnwardReferral",
    "OutboxOp",
    "Outcome",
    "Person",
    "QuarantinedRecord",
    "RecordChange",
    "RiskAssessment",
    "RotaEntry",
    "Screening",
    "Setting",
    "Site",
    "SkippedSuggestion",
    "StaffMember",
    "SupportAction",
    "SyncedRecord",
    "utcnow",
]
