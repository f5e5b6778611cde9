"""People of the program: one practitioner across groups' rosters. No Flask here."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reflect.audit import record as audit
from reflect.hours import letters_state
from reflect.hours.errors import HoursError
from reflect.i18n import LANGUAGES
from reflect.models import (
    AttendanceCorrection,
    Group,
    HoursLetter,
    IndividualMeeting,
    Person,
    PractitionerLink,
    RosterLink,
    RosterMember,
    User,
)

NAME_MAX = 120


def _clean_name(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > NAME_MAX:
        raise HoursError("name_invalid")
    return cleaned


def create_person(db: Session, actor: User, name: str, locale: str = "en") -> Person:
    if locale not in LANGUAGES:
        raise HoursError("language_invalid")
    person = Person(display_name=_clean_name(name), locale=locale, created_by=actor.id if actor else None)
    db.add(person)
    db.flush()
    audit(db, actor, "person_created", f"person:{person.id}")
    return person


def update_person(db: Session, actor: User, person: Person, *, name: str, locale: str, year_start_month: int) -> None:
    if locale not in LANGUAGES:
        raise HoursError("language_invalid")
    if not 1 <= int(year_start_month) <= 12:
        raise HoursError("month_invalid")
    name = _clean_name(name)
    if (person.display_name, person.locale, person.year_start_month) == (name, locale, year_start_month):
        return
    person.display_name, person.locale, person.year_start_month = name, locale, int(year_start_month)
    audit(db, actor, "person_updated", f"person:{person.id}")


def link_roster_entry(db: Session, actor: User, member: RosterMember, person: Person) -> None:
    """The roster entry ``member`` is ``person`` (a link it had is replaced)."""
    link = db.get(RosterLink, member.id)
    if link is not None and link.person_id == person.id:
        raise HoursError("already_linked")
    previous = link.person_id if link is not None else None
    if link is None:
        db.add(RosterLink(roster_member_id=member.id, person_id=person.id))
    else:
        link.person_id = person.id
    db.flush()
    audit(db, actor, "roster_entry_linked", f"person:{person.id}",
          {"roster_member_id": member.id, "group_id": member.group_id, "previous_person_id": previous})
    letters_state.supersede(db, person.id)
    if previous is not None:
        letters_state.supersede(db, previous)


def roster_entries(db: Session, group_ids=None) -> list[dict]:
    """Roster entries (of ``group_ids``, or all) with the person each is linked to."""
    query = (select(RosterMember, Group.name, RosterLink.person_id)
             .join(Group, Group.id == RosterMember.group_id)
             .outerjoin(RosterLink, RosterLink.roster_member_id == RosterMember.id)
             .order_by(Group.name, RosterMember.display_name, RosterMember.id))
    if group_ids is not None:
        query = query.where(RosterMember.group_id.in_(sorted(group_ids)))
    return [{"member": m, "group_name": g, "person_id": p} for m, g, p in db.execute(query)]


def groups_of(db: Session, person_ids) -> dict[int, list[str]]:
    """The names of the groups on whose rosters each person is."""
    ids = sorted(set(person_ids))
    result: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return result
    for person_id, name in db.execute(select(RosterLink.person_id, Group.name)
                                      .join(RosterMember, RosterMember.id == RosterLink.roster_member_id)
                                      .join(Group, Group.id == RosterMember.group_id)
                                      .where(RosterLink.person_id.in_(ids)).order_by(Group.name)):
        if name not in result[person_id]:
            result[person_id].append(name)
    return result


def merge(db: Session, actor: User, source: Person, target: Person) -> None:
    """``source`` and ``target`` are the same person: everything of ``source`` (roster
    entries, individual meetings, corrections, letters, personal links) becomes
    ``target``'s, and ``source`` is removed. Where both have a correction for the same
    session, ``target``'s stands and ``source``'s is dropped (listed in the audit entry).
    Merging a person into themselves is refused and changes nothing."""
    if source.id == target.id:
        raise HoursError("merge_self")
    target_sessions = set(db.scalars(select(AttendanceCorrection.session_id)
                                     .where(AttendanceCorrection.person_id == target.id)))
    dropped = sorted(set(db.scalars(select(AttendanceCorrection.session_id).where(
        AttendanceCorrection.person_id == source.id, AttendanceCorrection.session_id.in_(sorted(target_sessions))))))
    if dropped:
        db.execute(delete(AttendanceCorrection).where(AttendanceCorrection.person_id == source.id,
                                                      AttendanceCorrection.session_id.in_(dropped)))
    letters_state.supersede(db, source.id)
    letters_state.supersede(db, target.id)
    for model in (RosterLink, IndividualMeeting, AttendanceCorrection, HoursLetter, PractitionerLink):
        db.execute(update(model).where(model.person_id == source.id).values(person_id=target.id))
    db.execute(delete(Person).where(Person.id == source.id))
    db.expire_all()
    detail = {"merged_person_id": source.id}
    if dropped:
        detail["dropped_corrections_of_sessions"] = dropped
    audit(db, actor, "people_merged", f"person:{target.id}", detail)
