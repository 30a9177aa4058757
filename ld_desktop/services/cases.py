"""Cases: new referral (fast intake), lists, the caseload board, the case view."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from ld_desktop.domain.age import age_on, is_youth
from ld_desktop.domain.pathway import OPEN_STAGES, ContactType, ReferralSource, Stage, Urgency
from ld_desktop.domain.person_search import person_search_text
from ld_desktop.domain.roles import Permission
from ld_desktop.domain.synced_entity import SyncedEntity
from ld_desktop.domain.targets import Targets, breaches
from ld_desktop.services.access_audit import audit_list, audit_search
from ld_desktop.services.lookup_errors import RecordNotFound
from ld_desktop.services.persons import person_view
from ld_desktop.services.session import UserSession
from ld_desktop.services.timeline import build_timeline
from ld_desktop.services.views import CaseRow, CaseView, Changes, SiteView
from ld_desktop.store import case_queries, caseload_queries
from ld_desktop.store.case_detail_queries import get_visible_case
from ld_desktop.store.case_queries import PEOPLE_MATCH_LIMIT, CaseQuery, custody_numbers_for
from ld_desktop.store.models import Case, Person, Site
from ld_desktop.store.redirects import follow_redirect
from ld_desktop.store.search_index import index_person
from ld_desktop.store.store import DbSession, UnitOfWork


@dataclass(frozen=True)
class ReferralDraft:
    person_id: uuid.UUID
    site_id: uuid.UUID
    source: str
    contact_type: str
    referral_time: datetime | None = None
    custody_record_number: str | None = None
    offences: tuple[str, ...] = field(default=())
    urgency: str = Urgency.ROUTINE.value
    reason: str | None = None

    def validated(self, now: datetime) -> ReferralDraft:
        ReferralSource(self.source)
        ContactType(self.contact_type)
        Urgency(self.urgency)
        when = self.referral_time or now
        if when.tzinfo is None:
            raise ValueError("The referral time needs a time zone.")
        if when > now:
            raise ValueError("The referral time is in the future.")
        crn = (self.custody_record_number or "").strip() or None
        if self.contact_type == ContactType.ARRESTED.value and crn is None:
            raise ValueError("Enter the custody record number for someone under arrest.")
        offences = tuple(o.strip() for o in self.offences if o.strip())
        return ReferralDraft(self.person_id, self.site_id, self.source, self.contact_type, when,
                             crn, offences, self.urgency, (self.reason or "").strip() or None)


@dataclass(frozen=True)
class CaseFilter:
    text: str = ""
    site_ids: tuple[uuid.UUID, ...] = ()      # empty = all my sites
    stages: tuple[str, ...] = ()
    open_only: bool = False
    sort: str = "referral_time"
    descending: bool = True
    person_id: uuid.UUID | None = None


CASELOAD_PAGE = 300   # rows the board shows at first; the totals count every open case


@dataclass(frozen=True)
class Caseload:
    """A page of the caseload board and the counts over all of it."""

    rows: list[CaseRow]
    open_cases: int
    overdue: int
    high_risk: int


class CaseService:
    #: a text search looks at no more than this many matching people (keep typing to narrow)
    people_match_limit = PEOPLE_MATCH_LIMIT

    def __init__(self, session: UserSession) -> None:
        self._s = session

    # ------------------------------------------------------------------ writing
    def new_referral(self, draft: ReferralDraft) -> CaseView:
        self._s.require(Permission.EDIT_RECORDS)
        if draft.site_id not in self._s.site_ids:
            raise PermissionError("You can only take referrals at your own sites.")
        clean = draft.validated(self._s.now())
        targets = self._s.settings.load().targets
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            # someone known at another site can be referred here: the case links them
            # a record merged into another since the list was shown: file under the survivor
            person = uow.session.get(Person, follow_redirect(uow.session, clean.person_id))
            if person is None or person.entered_in_error:
                raise RecordNotFound(SyncedEntity.PERSON)
            case, site = file_case(uow, clean, person, self._s.user.username)
            view = self._view(uow.session, case, person, site, targets, new=True)
        self._s.bus.publish(Changes(frozenset({SyncedEntity.CASE}), frozenset({view.id})))
        return view

    def view_new(self, db: DbSession, case: Case, person: Person, site: Site) -> CaseView:
        """The view of a case just filed in the caller's transaction."""
        return self._view(db, case, person, site, self._s.settings.load().targets, new=True)

    def update(self, case_id: uuid.UUID, changes: dict[str, object]) -> list[str]:
        """Change case fields (stage, holder, urgency, flags ...). Stage times are set here."""
        self._s.require(Permission.EDIT_RECORDS)
        allowed = {"stage", "holder", "urgency", "flags", "risk_level", "in_custody",
                   "custody_record_number", "offences", "reason", "contact_type"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"Cannot change {', '.join(sorted(unknown))} here.")
        if "stage" in changes:
            Stage(str(changes["stage"]))
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            found = get_visible_case(uow.session, case_id, self._s.site_ids)
            if found is None:
                raise RecordNotFound(SyncedEntity.CASE)
            case = found[0]
            values = dict(changes)
            stamp = {"seen": "seen_at", "screened": "screened_at", "assessed": "assessed_at",
                     "closed": "closed_at"}.get(str(values.get("stage", "")))
            if stamp and getattr(case, stamp) is None:
                values[stamp] = self._s.now()
            changed = uow.changes.update(case, values)
            if changed:
                uow.audit("update", entity=SyncedEntity.CASE, entity_id=case.id, case_id=case.id,
                          detail={"fields": changed})
        self._s.bus.publish(Changes(frozenset({SyncedEntity.CASE}), frozenset({case_id})))
        return changed

    # ------------------------------------------------------------------ reading
    def open(self, case_id: uuid.UUID, *, audit: bool = True) -> CaseView:
        """The case view; opening it is audited as a view."""
        self._s.require(Permission.VIEW_RECORDS)
        targets = self._s.settings.load().targets
        with self._s.store.unit_of_work(self._s.user.username) as uow:
            found = get_visible_case(uow.session, case_id, self._s.site_ids)
            if found is None:
                raise RecordNotFound(SyncedEntity.CASE)
            case, person, site = found
            if audit:
                uow.audit("view", entity=SyncedEntity.CASE, entity_id=case.id, case_id=case.id)
            return self._view(uow.session, case, person, site, targets)

    def _view(self, db: DbSession, case: Case, person: Person, site: Site,
              targets: Targets, *, new: bool = False) -> CaseView:
        age = (age_on(person.date_of_birth, case.referral_time.date())
               if person.date_of_birth else None)
        estimated = (case.referral_time.year - person.estimated_birth_year
                     if age is None and person.estimated_birth_year is not None else None)
        late = () if case.stage == Stage.CLOSED.value else tuple(
            breaches(targets, case.referral_time, case.seen_at, case.screened_at,
                     self._s.now()))
        return CaseView(
            id=case.id, person=person_view(person), site=SiteView(site.id, site.name, site.kind),
            referral_source=case.referral_source, referral_time=case.referral_time,
            custody_record_number=case.custody_record_number, offences=tuple(case.offences),
            contact_type=case.contact_type, urgency=case.urgency, reason=case.reason,
            stage=case.stage, holder=case.holder, flags=tuple(case.flags),
            risk_level=case.risk_level, in_custody=case.in_custody, seen_at=case.seen_at,
            screened_at=case.screened_at, assessed_at=case.assessed_at,
            closed_at=case.closed_at, age_at_referral=age,
            # an estimated age under 18 gets the youth safeguards too
            is_youth=any(a is not None and is_youth(a) for a in (age, estimated)),
            estimated_age=estimated, breaches=late,
            timeline=tuple(build_timeline(db, case, new=new)),
        )

    def page(self, filt: CaseFilter, offset: int, limit: int) -> list[CaseRow]:
        self._s.require(Permission.VIEW_RECORDS)
        targets = self._s.settings.load().targets
        now = self._s.now()
        with self._s.store.reading() as db:
            rows = case_queries.page(db, self._query(filt), offset, limit)
            return [_row(c, p, s, targets, now) for c, p, s in rows]

    def count_and_first_page(self, filt: CaseFilter, limit: int
                             ) -> tuple[int, list[CaseRow]]:
        """How many cases match and the first page, in one read (search as you type)."""
        self._s.require(Permission.VIEW_RECORDS)
        targets = self._s.settings.load().targets
        now = self._s.now()
        with self._s.store.reading() as db:
            total, found = case_queries.count_and_first_page(db, self._query(filt), limit)
            rows = [_row(c, p, s, targets, now) for c, p, s in found]
        self._audit_list(filt, total, rows)
        return total, rows

    def _audit_list(self, filt: CaseFilter, total: int, rows: list[CaseRow]) -> None:
        if filt.text.strip():
            audit_search(self._s, "cases", filt.text, total, (r.person_id for r in rows))
        else:
            audit_list(self._s, "cases", total, stages=list(filt.stages),
                       open_only=filt.open_only, sites=len(filt.site_ids) or "all mine")

    def count(self, filt: CaseFilter) -> int:
        self._s.require(Permission.VIEW_RECORDS)
        with self._s.store.reading() as db:
            return case_queries.count(db, self._query(filt))

    def caseload(self, site_ids: tuple[uuid.UUID, ...] = (), stages: tuple[str, ...] = ()
                 ) -> list[CaseRow]:
        """Open cases at my sites (or the chosen ones), most urgent and longest waiting first:
        the first 2,000 (the board shows a page: ``caseload_page``)."""
        return self.caseload_page(site_ids, stages, limit=2000).rows

    def caseload_page(self, site_ids: tuple[uuid.UUID, ...] = (), stages: tuple[str, ...] = (),
                      offset: int = 0, limit: int = CASELOAD_PAGE) -> Caseload:
        """One page of the caseload board, ordered and counted in the database."""
        self._s.require(Permission.VIEW_RECORDS)
        targets = self._s.settings.load().targets
        now = self._s.now()
        query = self._query(CaseFilter(site_ids=site_ids, stages=stages, open_only=True))
        minutes = (targets.referral_to_seen, targets.referral_to_screened)
        with self._s.store.reading() as db:
            totals = caseload_queries.caseload_totals(db, query, *minutes, now)
            page = caseload_queries.caseload_page(db, query, *minutes, now, offset, limit)
            rows = [_row(c, p, s, targets, now) for c, p, s, _ in page]
        rows = [replace(r, breaches=(*r.breaches, f"{n} follow-up(s) overdue")) if n else r
                for r, (_, _, _, n) in zip(rows, page, strict=True)]
        audit_list(self._s, "caseload", len(rows), stages=list(stages),
                   sites=len(site_ids) or "all mine")
        return Caseload(rows, totals.open_cases, totals.overdue, totals.high_risk)

    def _query(self, filt: CaseFilter) -> CaseQuery:
        mine = self._s.site_ids
        sites = [s for s in filt.site_ids if s in mine] if filt.site_ids else mine
        stages = filt.stages or (tuple(s.value for s in OPEN_STAGES) if filt.open_only else ())
        return CaseQuery(site_ids=sites, text=filt.text, stages=stages, sort=filt.sort,
                         descending=filt.descending, person_id=filt.person_id)


def file_case(uow: UnitOfWork, clean: ReferralDraft, person: Person, holder: str
              ) -> tuple[Case, Site]:
    """File a validated referral for ``person`` inside the caller's transaction."""
    site = uow.session.get(Site, clean.site_id)
    if site is None:
        raise RecordNotFound(SyncedEntity.SITE)
    assert clean.referral_time is not None
    case = Case(
        person_id=person.id, site_id=clean.site_id, referral_source=clean.source,
        referral_time=clean.referral_time,
        custody_record_number=clean.custody_record_number,
        offences=list(clean.offences), contact_type=clean.contact_type,
        urgency=clean.urgency, reason=clean.reason, stage=Stage.REFERRED.value,
        holder=holder, in_custody=clean.contact_type == ContactType.ARRESTED.value,
    )
    uow.changes.create(case)
    uow.session.flush()
    index_person(uow.session, person.id,
                 person_search_text(person, custody_numbers_for(uow.session, person.id)))
    uow.audit("create", entity=SyncedEntity.CASE, entity_id=case.id, case_id=case.id)
    return case, site


def _row(case: Case, person: Person, site: Site, targets: Targets, now: datetime) -> CaseRow:
    late = () if case.stage == Stage.CLOSED.value else tuple(
        breaches(targets, case.referral_time, case.seen_at, case.screened_at, now))
    return CaseRow(
        id=case.id, person_id=person.id,
        person_name=f"{person.family_name.upper()}, {person.given_name}",
        date_of_birth=person.date_of_birth, site_id=site.id, site_name=site.name,
        stage=case.stage, urgency=case.urgency, referral_time=case.referral_time,
        custody_record_number=case.custody_record_number, contact_type=case.contact_type,
        holder=case.holder, flags=tuple(case.flags), risk_level=case.risk_level, breaches=late,
    )
