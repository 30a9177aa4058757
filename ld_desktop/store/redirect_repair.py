"""After a pull: records that still refer to a merged-away person follow the redirect.

* A case filed against a redirect (created on a workstation that had not yet heard of the
  merge) moves to the survivor, as a synced change. Every workstation that notices writes
  the same value, which the server never treats as a clash.
* An edit made to a redirect's own details after the merge (same reason) is passed on to
  the survivor. If the survivor's field is empty it simply fills it; otherwise the passed-on
  change claims the redirect's version as its base, which the survivor's field never has,
  so the server keeps both values as a conflict for a senior to decide. Nothing is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ld_desktop.domain.nhs_number import NhsNumberStatus
from ld_desktop.store.change_history import person_sites, record_change, wire_values
from ld_desktop.store.change_log import ChangeLog
from ld_desktop.store.models import Case, Person
from ld_desktop.store.redirects import follow_redirect

#: person fields an edit to a redirect is passed on for (bookkeeping is not)
NOT_FORWARDED = frozenset({"merged_into", "merge_detail", "site_id", "created_at",
                           "nhs_number_status"})
LATE_EDIT_REASON = "changed on a merged-away record after the merge"


def cases_against_redirects(session: Session, redirects: list[uuid.UUID]) -> list[Case]:
    # Two indexed lookups: the few redirects (partial index ix_person_merged_into), then
    # their cases (ix_case_person). A join walked every case: 2.1 s a pull page at 100k.
    if not redirects:
        return []
    return list(session.scalars(select(Case).where(Case.person_id.in_(redirects))))


def repair(session: Session, changes: ChangeLog, user: str,
           pending_cases: set[uuid.UUID], people: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Returns the people whose records changed (to re-index)."""
    redirects = list(session.scalars(select(Person.id).where(Person.merged_into.is_not(None))))
    touched: set[uuid.UUID] = set()
    for case in cases_against_redirects(session, redirects):
        if case.id in pending_cases:
            continue      # our own unsent change to who the case is for stands
        target = follow_redirect(session, case.person_id)
        if target == case.person_id:
            continue      # a cycle of merges: leave it for a senior
        old = case.person_id
        changes.update(case, {"person_id": target})
        record_change(changes, case, "redirect", {"person_id": str(old)},
                      {"person_id": str(target)}, user, [str(case.site_id)],
                      "filed against a record that had been merged")
        touched.update({old, target})
    if redirects:   # usually none: then a page's people need no lookup at all
        for redirect in _redirects_among(session, people, set(redirects)):
            touched |= forward_late_edits(session, changes, user, redirect)
    return touched


def _redirects_among(session: Session, people: Iterable[uuid.UUID],
                     redirects: set[uuid.UUID]) -> list[Person]:
    """The merged-away people among these (a pulled page's people), in the order given:
    those among ``redirects`` (every merged-away person, read before the cases were
    repaired, which never merges anyone), loaded with a few IN queries."""
    wanted = [p for p in dict.fromkeys(people) if p in redirects]
    found: dict[uuid.UUID, Person] = {}
    for start in range(0, len(wanted), 500):
        found.update((p.id, p) for p in session.scalars(select(Person).where(
            Person.id.in_(wanted[start:start + 500]), Person.merged_into.is_not(None))))
    return [found[p] for p in wanted if p in found]


def forward_late_edits(session: Session, changes: ChangeLog, user: str,
                       redirect: Person) -> set[uuid.UUID]:
    snapshot = (redirect.merge_detail or {}).get("versions", {})
    done = dict(redirect.forwarded_versions or {})
    survivor = session.get(Person, follow_redirect(session, redirect.id))
    if survivor is None or survivor.id == redirect.id:
        return set()
    touched: set[uuid.UUID] = set()
    for name, version in dict(redirect.field_versions).items():
        if (name in NOT_FORWARDED or name.startswith("_") or version == snapshot.get(name)
                or done.get(name) == version or not hasattr(survivor, name)):
            continue
        done[name] = version
        value = getattr(redirect, name)
        current = getattr(survivor, name)
        if name == "aliases":                 # names add up: never a clash
            value = [*current, *(a for a in value if a not in current)]
        if value == current:
            continue
        empty = current in (None, "", []) or name == "aliases"
        base = {name: survivor.field_versions.get(name) if empty else version}
        values = {name: value}
        if name == "nhs_number":              # a different number is not traced yet
            values["nhs_number_status"] = (NhsNumberStatus.UNVERIFIED if value
                                           else NhsNumberStatus.NOT_KNOWN)
        old = wire_values(survivor, list(values))
        changes.update(survivor, values, base_override=base)
        record_change(changes, survivor, "redirect", old, wire_values(survivor, list(values)),
                      user, person_sites(session, survivor), LATE_EDIT_REASON)
        touched.add(survivor.id)
    redirect.forwarded_versions = done        # local bookkeeping: never synced
    return touched
