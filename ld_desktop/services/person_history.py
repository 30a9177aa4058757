"""A returning person's history: their previous contacts at the user's sites (dates,
outcomes, flags, last scores) and the alerts still active (risk, safeguarding,
communication needs). Shown on the person record and at referral intake; reading it is
audited as a view of the person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ld_desktop.domain.pathway import Disposal, Stage
from ld_desktop.domain.risk_level import RiskLevel
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.domain.vulnerabilities import HIGH_CONCERN, label
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.session import UserSession
from ld_desktop.store import person_history_queries as queries
from ld_desktop.store.models import Case, Outcome, Person, RiskAssessment, Screening, Site
from ld_desktop.store.person_queries import get_visible
from ld_desktop.store.redirects import follow_redirect

#: a flag raised on a contact this recent (or on a case still open) is an active alert
ALERT_WINDOW = timedelta(days=365)
#: risk levels that raise an alert
ALERT_RISK_LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM)


@dataclass(frozen=True)
class PreviousContact:
    case_id: uuid.UUID
    referral_time: datetime
    site_name: str
    custody_record_number: str | None
    stage: str
    outcome: str            # the disposal and diversion outcome, or where the case stands
    flags: tuple[str, ...]  # vulnerability domain codes
    risk_level: str | None
    last_scores: tuple[str, ...]   # "PHQ-9 14, moderate" - newest screening of each kind

    @property
    def flag_labels(self) -> tuple[str, ...]:
        return tuple(label(f) for f in self.flags)


@dataclass(frozen=True)
class Alert:
    kind: str               # risk | safeguarding | communication
    text: str
    since: date | None = None
    case_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PersonHistory:
    person_id: uuid.UUID
    display_name: str
    date_of_birth: date | None
    contacts: tuple[PreviousContact, ...]
    alerts: tuple[Alert, ...]

    @property
    def is_returning(self) -> bool:
        return bool(self.contacts)


class PersonHistoryService:
    def __init__(self, session: UserSession) -> None:
        self._s = session

    def history(self, person_id: uuid.UUID, *, exclude_case_id: uuid.UUID | None = None
                ) -> PersonHistory:
        """``exclude_case_id``: the case being looked at, left out of "previous" contacts.
        A merged-away person's id is followed to the record it was merged into."""
        self._s.require(Permission.VIEW_RECORDS)
        now = self._s.now()
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            db = uow.session
            person = get_visible(db, follow_redirect(db, person_id), self._s.site_ids)
            if person is None or person.entered_in_error:   # not at my sites: not mine to see
                raise RecordNotFound(SyncedEntity.PERSON)
            rows = [(c, s) for c, s in queries.cases_at(db, person.id, self._s.site_ids)
                    if c.id != exclude_case_id]
            ids = [c.id for c, _s in rows]
            outcomes = queries.outcomes_for(db, ids)
            screenings = queries.screenings_for(db, ids)
            contacts = tuple(_contact(c, s, outcomes.get(c.id), screenings.get(c.id, []))
                             for c, s in rows)
            alerts = (_risk_alerts(queries.latest_risk(db, ids))
                      + _flag_alerts(rows, now) + _communication_alerts(person))
            uow.audit("view", entity=SyncedEntity.PERSON, entity_id=person.id,
                      detail={"what": "history", "contacts": len(contacts)})
            return PersonHistory(person.id, f"{person.family_name.upper()}, "
                                 f"{person.given_name}", person.date_of_birth, contacts,
                                 tuple(alerts))


def _contact(case: Case, site: Site, outcome: Outcome | None,
             screenings: list[Screening]) -> PreviousContact:
    return PreviousContact(
        case_id=case.id, referral_time=case.referral_time, site_name=site.name,
        custody_record_number=case.custody_record_number, stage=case.stage,
        outcome=_outcome_text(case, outcome), flags=tuple(case.flags),
        risk_level=case.risk_level, last_scores=_last_scores(screenings),
    )


def _outcome_text(case: Case, outcome: Outcome | None) -> str:
    if outcome is None:
        return Stage(case.stage).label if case.stage != Stage.CLOSED.value else "Closed"
    try:
        text = Disposal(outcome.disposal).label
    except ValueError:
        text = outcome.disposal
    if outcome.diversion_outcome:
        text += f"; {outcome.diversion_outcome.replace('-', ' ')}"
    return text


def _last_scores(screenings: list[Screening]) -> tuple[str, ...]:
    """The newest result of each instrument (screenings arrive newest first). Totals only
    (a criterion count such as PHQ-9 'core' is not a score); a partial total says what it
    proves ('at least 21 (7 of 9 items)'), a pro-rated one says so, a stopped one too."""
    seen: set[str] = set()
    lines: list[str] = []
    for row in screenings:
        if row.instrument_id in seen:
            continue
        seen.add(row.instrument_id)
        title = str(row.result.get("title") or row.instrument_id)
        scores: dict[str, Any] = row.result.get("scores") or {}
        parts = [text for score in scores.values()
                 if score.get("kind", "total") == "total" and (text := _score_text(score))]
        stopped = bool(row.result.get("stopped_reason"))
        if not parts:
            lines.append(f"{title} {'stopped early' if stopped else 'completed'}")
            continue
        lines.append(f"{title} {'; '.join(parts)}" + (" (stopped early)" if stopped else ""))
    return tuple(lines)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _score_text(score: dict[str, Any]) -> str | None:
    band = f", {score['band']}" if score.get("band") else ""
    value = score.get("value")
    if value is not None and score.get("prorated"):
        return (f"{_number(value)} pro-rated from {score.get('answered')} of "
                f"{score.get('needed')} items{band}")
    if value is not None and score.get("complete", True):
        return _number(value) + band
    if score.get("at_least") is None:
        return None
    if not band and score.get("band_at_least"):
        band = f", {score['band_at_least']} or higher"
    return (f"at least {_number(score['at_least'])} ({score.get('answered')} of "
            f"{score.get('needed')} items){band}")


def _risk_alerts(risk: RiskAssessment | None) -> list[Alert]:
    if risk is None or risk.level not in ALERT_RISK_LEVELS:
        return []
    text = f"{risk.level.capitalize()} risk at the last assessment"
    if risk.rationale:
        text += f": {risk.rationale[:160]}"
    if risk.review_date:
        text += f" (review by {risk.review_date:%d/%m/%Y})"
    return [Alert("risk", text, risk.created_at.date(), risk.case_id)]


def _flag_alerts(rows: list[tuple[Case, Site]], now: datetime) -> list[Alert]:
    """Safeguarding and other high-concern flags on an open case or a recent one."""
    alerts: list[Alert] = []
    raised: set[str] = set()
    for case, _site in rows:  # newest first: the first case raising a flag dates it
        active = case.stage != Stage.CLOSED.value or now - case.referral_time <= ALERT_WINDOW
        for code in case.flags:
            if code in HIGH_CONCERN and active and code not in raised:
                raised.add(code)
                kind = "safeguarding" if code == "safeguarding" else "risk"
                alerts.append(Alert(kind, f"{label(code)} flagged", case.referral_time.date(),
                                    case.id))
    return alerts


def _communication_alerts(person: Person) -> list[Alert]:
    alerts = []
    if person.communication_needs:
        alerts.append(Alert("communication", person.communication_needs))
    if person.interpreter_language:
        alerts.append(Alert("communication",
                            f"Needs an interpreter: {person.interpreter_language}"))
    return alerts
