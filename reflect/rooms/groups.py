"""Groups and their optional roster of regulars."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.models import Group, RosterMember, User
from reflect.rooms.errors import RoomError

NAME_MAX = 80
GROUP_NAME_MAX = 120


def clean_names(lines: list[str] | str) -> list[str]:
    if isinstance(lines, str):
        lines = lines.splitlines()
    names = [" ".join(line.split())[:NAME_MAX] for line in lines]
    return list(dict.fromkeys(n for n in names if n))


def may_run(user: User, group: Group) -> bool:
    return user.role == "admin" or group.facilitator_id == user.id


def groups_for(db: Session, user: User) -> list[Group]:
    query = select(Group).where(Group.archived.is_(False)).order_by(Group.name)
    if user.role != "admin":
        query = query.where(Group.facilitator_id == user.id)
    return list(db.scalars(query))


def get_group(db: Session, user: User, group_id: int) -> Group:
    group = db.get(Group, group_id)
    if group is None or not may_run(user, group):
        raise RoomError("not_found")
    return group


def create_group(db: Session, facilitator: User, name: str, roster: list[str] | str = ()) -> Group:
    name = " ".join((name or "").split())
    if not name or len(name) > GROUP_NAME_MAX:
        raise RoomError("group_name_invalid")
    group = Group(name=name, facilitator_id=facilitator.id)
    db.add(group)
    db.flush()
    set_roster(db, group, roster)
    return group


def set_roster(db: Session, group: Group, names: list[str] | str) -> None:
    """Make the active roster exactly ``names``; people removed are kept inactive
    (their attendance history stays)."""
    wanted = clean_names(names)
    existing = {m.display_name: m for m in group.roster}
    for name, member in existing.items():
        member.active = name in wanted
    for name in wanted:
        if name not in existing:
            group.roster.append(RosterMember(display_name=name, active=True))
    db.flush()


def rename_member(db: Session, group: Group, member_id: int, name: str) -> RosterMember:
    """Correct the spelling of a member's name: the same row, so their attendance and
    hours stay with them (editing the list of names would start a new person)."""
    member = db.get(RosterMember, member_id)
    if member is None or member.group_id != group.id:
        raise RoomError("not_found")
    cleaned = clean_names([name or ""])
    if not cleaned or len(" ".join((name or "").split())) > NAME_MAX:
        raise RoomError("roster_name_invalid")
    if any(m.display_name == cleaned[0] and m.id != member.id for m in group.roster):
        raise RoomError("roster_name_taken")
    member.display_name = cleaned[0]
    db.flush()
    return member


def active_roster(group: Group) -> list[RosterMember]:
    return [m for m in group.roster if m.active]
