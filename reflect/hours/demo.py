"""Demo hours for ``reflect seed-demo``: people on several groups' rosters, providers'
details, individual RS/C, a corrected attendance and issued letters (one superseded).
No Flask here; called by :func:`reflect.demo.seed_demo` once its groups exist."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reflect.hours import letters, people, record
from reflect.hours.errors import HoursError
from reflect.models import (
    Group,
    GroupSession,
    Participant,
    Person,
    ProviderProfile,
    RosterLink,
    RosterMember,
    SessionMode,
    User,
)

QUALIFICATIONS = [
    "LMFT; Endorsement for Culturally Sensitive, Relationship-Focused Practice Promoting Infant & Early "
    "Childhood Mental Health (IMH-E® Infant Mental Health Mentor – Clinical)",
    "LCSW; IMH-E® Infant Mental Health Specialist",
    "PhD, Licensed Psychologist; IMH-E® Infant Mental Health Mentor – Policy",
]


def seed_hours(db: Session, rng: random.Random, now: datetime, tz: str = "UTC") -> int:
    """Returns how many people the program now has."""
    rules = record.Rules(tz=tz)
    linked = select(RosterLink.roster_member_id)
    unlinked = select(RosterMember.group_id).where(RosterMember.id.not_in(linked))
    groups = list(db.scalars(select(Group).where(Group.id.in_(unlinked)).order_by(Group.id)))
    if not groups:
        return _count(db)
    facilitators = {g.facilitator_id: db.get(User, g.facilitator_id) for g in groups}
    for i, user in enumerate(facilitators.values()):
        if db.get(ProviderProfile, user.id) is None:
            db.add(ProviderProfile(user_id=user.id, name=user.display_name, qualification=QUALIFICATIONS[i % 3]))
    modes = ["in_person", "video", "video", "phone"]
    for i, g in enumerate(groups):
        for session_id in db.scalars(select(GroupSession.id).where(GroupSession.group_id == g.id,
                                                                   GroupSession.id.not_in(select(SessionMode.session_id)))):
            db.add(SessionMode(session_id=session_id, mode=modes[i % len(modes)] if i % 2 else "in_person"))
    db.flush()
    roster = {g.id: list(db.scalars(select(RosterMember).where(RosterMember.group_id == g.id,
                                                               RosterMember.id.not_in(linked))
                                    .order_by(RosterMember.id))) for g in groups}
    person_of: dict[int, object] = {}
    first = groups[0]
    for member in roster[first.id]:
        person_of[member.id] = people.create_person(db, facilitators[first.facilitator_id], member.display_name,
                                                    rng.choice(["en", "en", "es"]))
        people.link_roster_entry(db, facilitators[first.facilitator_id], member, person_of[member.id])
    shared = roster[first.id][1:3]  # two practitioners who are in other groups too
    if len(groups) < 2:
        shared = []
    for g in groups[1:]:
        actor = facilitators[g.facilitator_id]
        for index, member in enumerate(roster[g.id]):
            if index < len(shared) and g.id in (groups[1].id, groups[-1].id):
                same = shared[index]
                member.display_name = same.display_name  # the same practitioner, on this roster too
                db.execute(Participant.__table__.update().where(Participant.roster_member_id == member.id)
                           .values(display_name=same.display_name))
                people.link_roster_entry(db, actor, member, person_of[same.id])
            else:
                person = people.create_person(db, actor, member.display_name, rng.choice(["en", "en", "es"]))
                people.link_roster_entry(db, actor, member, person)
    db.flush()
    # individual RS/C: monthly meetings for the shared two, now and then for a few others
    main = facilitators[first.facilitator_id]
    today = now.date()
    for index, same in enumerate(shared):
        person = person_of[same.id]
        for months in range(1, 10):
            day = today - timedelta(days=30 * months + rng.randint(0, 6))
            start = datetime(day.year, day.month, day.day, 15 + index, 0)
            try:
                record.record_meeting(db, main, person, rules, started_at=start, minutes=rng.choice([45, 50, 60]),
                                      mode=rng.choice(["video", "in_person", "phone"]), now=now)
            except HoursError:
                continue  # it would overlap a group session
    # letters: last calendar year, and the last twelve months (then superseded by a correction)
    for same in shared:
        person = person_of[same.id]
        for start, end in ((date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
                           (today - timedelta(days=365), today - timedelta(days=1))):
            try:
                letters.issue(db, main, person, rules, start=start, end=end, today=today, now=now)
            except HoursError:
                continue
    if not shared:
        db.flush()
        return _count(db)
    held = db.execute(select(GroupSession).join(Participant, Participant.session_id == GroupSession.id)
                      .where(GroupSession.group_id == first.id, Participant.roster_member_id == shared[0].id,
                             GroupSession.ended_at.is_not(None))
                      .order_by(GroupSession.started_at.desc()).limit(1)).scalar()
    if held is not None:
        try:
            record.correct_attendance(db, main, held, person_of[shared[0].id], rules, absent=False,
                                      arrived=held.started_at + timedelta(minutes=25), left=held.ended_at,
                                      mode="phone", reason="Joined late by phone call after a home visit ran over")
        except HoursError:
            pass
    db.flush()
    return _count(db)


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Person))
