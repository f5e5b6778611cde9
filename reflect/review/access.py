"""Who may review which groups, and the admin's supervisor assignments. No Flask here.

- admin: every group;
- supervisor: the groups they are assigned to;
- facilitator: the groups they facilitate (``Group.facilitator_id``);
- anyone else: none.
A group someone may not see is treated exactly like a group that does not exist.
"""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.models import Group, Role, SupervisorAssignment, User

REVIEW_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)


class AccessError(ValueError):
    """An assignment change that cannot be made; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def may_review(user: User | None) -> bool:
    return bool(user) and user.role in {r.value for r in REVIEW_ROLES}


def _visible_query(user: User):
    query = select(Group)
    if user.role == Role.ADMIN.value:
        return query
    if user.role == Role.SUPERVISOR.value:
        return query.join(SupervisorAssignment, SupervisorAssignment.group_id == Group.id).where(
            SupervisorAssignment.user_id == user.id
        )
    if user.role == Role.FACILITATOR.value:
        return query.where(Group.facilitator_id == user.id)
    return None


def visible_groups(db: Session, user: User) -> list[Group]:
    """The groups ``user`` may review, by name (archived ones last)."""
    query = _visible_query(user)
    if query is None:
        return []
    return list(db.scalars(query.order_by(Group.archived, Group.name, Group.id)))


def visible_group(db: Session, user: User, group_id: int) -> Group | None:
    """The group if ``user`` may review it; ``None`` both when it is not theirs and when
    it does not exist (the caller answers 404 either way)."""
    query = _visible_query(user)
    if query is None:
        return None
    return db.scalar(query.where(Group.id == group_id))


# --- the admin's assignments -------------------------------------------------------------


def assignment_table(db: Session) -> list[dict]:
    """Every group with its facilitator and assigned supervisors."""
    groups = list(db.scalars(select(Group).order_by(Group.archived, Group.name, Group.id)))
    people = {u.id: u for u in db.scalars(select(User))}
    assigned: dict[int, list[User]] = {}
    for group_id, user_id in db.execute(select(SupervisorAssignment.group_id, SupervisorAssignment.user_id)):
        if user_id in people:
            assigned.setdefault(group_id, []).append(people[user_id])
    return [
        {
            "group": g,
            "facilitator": people.get(g.facilitator_id),
            "supervisors": sorted(assigned.get(g.id, []), key=lambda u: (u.display_name.casefold(), u.email)),
        }
        for g in groups
    ]


def supervisors(db: Session) -> list[User]:
    """Active accounts with the supervisor role (who can be assigned)."""
    return list(
        db.scalars(
            select(User)
            .where(User.role == Role.SUPERVISOR.value, User.active.is_(True))
            .order_by(User.display_name, User.email)
        )
    )


def assign_supervisor(db: Session, actor: User, group_id: int, user_id: int) -> None:
    group = db.get(Group, group_id)
    if group is None:
        raise AccessError("group_not_found")
    user = db.get(User, user_id)
    if user is None or user.role != Role.SUPERVISOR.value or not user.active:
        raise AccessError("not_a_supervisor")
    if db.get(SupervisorAssignment, (group_id, user_id)) is not None:
        raise AccessError("already_assigned")
    db.add(SupervisorAssignment(group_id=group_id, user_id=user_id))
    record(db, actor, "supervisor_assigned", f"group:{group_id}", {"user_id": user_id})


def unassign_supervisor(db: Session, actor: User, group_id: int, user_id: int) -> None:
    if db.get(Group, group_id) is None:
        raise AccessError("group_not_found")
    done = db.execute(
        delete(SupervisorAssignment).where(
            SupervisorAssignment.group_id == group_id, SupervisorAssignment.user_id == user_id
        )
    ).rowcount
    if not done:
        raise AccessError("not_assigned")
    record(db, actor, "supervisor_unassigned", f"group:{group_id}", {"user_id": user_id})
