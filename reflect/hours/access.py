"""Who sees whose hours record. No Flask here.

- admin: every person, every entry;
- facilitator: the people on the rosters of the groups they facilitate, the people
  they have given individual RS/C and the people they added, with their whole record (hours only: never answers,
  check-ins or notes, which the record does not hold);
- supervisor: the people on the rosters of the groups assigned to them, and only the
  entries of those groups;
- a practitioner, through their personal link: their own record (``links.py``).
A person someone may not see is treated exactly like one that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.models import Group, IndividualMeeting, Person, RosterLink, RosterMember, SupervisorAssignment, User


@dataclass(frozen=True)
class Scope:
    everyone: bool
    group_ids: frozenset[int]      # groups whose rosters' people are visible
    provider_id: int | None        # individual meetings this provider gave
    entry_groups: frozenset[int] | None  # None: every entry; else only these groups' entries
    may_manage: bool               # may link, merge, correct, record, issue


def scope_for(db: Session, user: User) -> Scope:
    if user.role == "admin":
        return Scope(True, frozenset(), None, None, True)
    if user.role == "facilitator":
        ids = frozenset(db.scalars(select(Group.id).where(Group.facilitator_id == user.id)))
        return Scope(False, ids, user.id, None, True)
    if user.role == "supervisor":
        ids = frozenset(db.scalars(select(SupervisorAssignment.group_id)
                                   .where(SupervisorAssignment.user_id == user.id)))
        return Scope(False, ids, None, ids, False)
    return Scope(False, frozenset(), None, frozenset(), False)


def _visible_ids_query(scope: Scope):
    by_roster = (select(RosterLink.person_id).join(RosterMember, RosterMember.id == RosterLink.roster_member_id)
                 .where(RosterMember.group_id.in_(sorted(scope.group_ids))))
    if scope.provider_id is None:
        return by_roster
    return by_roster.union(select(IndividualMeeting.person_id)
                           .where(IndividualMeeting.provider_id == scope.provider_id),
                           select(Person.id).where(Person.created_by == scope.provider_id))


def visible_people(db: Session, scope: Scope) -> list[Person]:
    query = select(Person).order_by(Person.display_name, Person.id)
    if not scope.everyone:
        query = query.where(Person.id.in_(_visible_ids_query(scope)))
    return list(db.scalars(query))


def visible_person(db: Session, scope: Scope, person_id: int) -> Person | None:
    query = select(Person).where(Person.id == person_id)
    if not scope.everyone:
        query = query.where(Person.id.in_(_visible_ids_query(scope)))
    return db.scalar(query)


def manageable_group(db: Session, user: User, group_id: int) -> Group | None:
    """A group whose roster and sessions ``user`` may manage (admin: any)."""
    group = db.get(Group, group_id)
    if group is None or not (user.role == "admin" or group.facilitator_id == user.id):
        return None
    return group
