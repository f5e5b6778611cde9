"""A person's hours record: every entry credited to them, group and individual, from
attendance, corrections and individual meetings; and the changes a facilitator makes to
it (a correction, a session's mode, an individual meeting). No Flask here.

The record reads attendance only (which roster entry's phone was admitted, when it
joined, when it last dropped) and the session's start and end: never an answer, a
check-in, a mark, a reaction or a note.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.audit import record as audit
from reflect.db import utcnow
from reflect.hours import letters_state
from reflect.hours.credit import DEFAULT_GRACE, DEFAULT_THRESHOLD, Phone, credited_interval, hours_of
from reflect.hours.errors import HoursError
from reflect.local_time import to_local
from reflect.models import (
    AttendanceCorrection,
    Group,
    GroupSession,
    IndividualMeeting,
    Participant,
    Person,
    ProviderProfile,
    RosterLink,
    RosterMember,
    SessionMode,
    User,
)

MODES = ("in_person", "video", "phone")
DEFAULT_MODE = "in_person"
GROUP, INDIVIDUAL = "group", "individual"
MEETING_MAX_MINUTES = 8 * 60


@dataclass(frozen=True)
class Rules:
    """The credit rule's settings and the program's time zone."""

    threshold: timedelta = DEFAULT_THRESHOLD
    grace: timedelta = DEFAULT_GRACE
    tz: str = "UTC"


@dataclass
class Entry:
    kind: str                 # group | individual
    start: datetime           # UTC
    end: datetime             # UTC
    mode: str
    provider_id: int | None
    provider_name: str
    qualification: str
    group_id: int | None = None
    group_name: str = ""
    session_id: int | None = None
    meeting_id: int | None = None
    corrected: bool = False
    local_start: datetime = field(default=None)  # set by person_entries

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def hours(self) -> Decimal:
        return hours_of(self.seconds)

    @property
    def day(self) -> date:
        return self.local_start.date()


def providers(db: Session, user_ids) -> dict[int, tuple[str, str]]:
    """Each provider's name as it should appear on records, and qualification."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    names = {u.id: u.display_name or u.email for u in db.scalars(select(User).where(User.id.in_(ids)))}
    result = {i: (names.get(i, ""), "") for i in ids}
    for profile in db.scalars(select(ProviderProfile).where(ProviderProfile.user_id.in_(ids))):
        result[profile.user_id] = (profile.name or names.get(profile.user_id, ""), profile.qualification)
    return result


def roster_ids(db: Session, person_id: int) -> list[int]:
    return list(db.scalars(select(RosterLink.roster_member_id).where(RosterLink.person_id == person_id)))


def _individual_session_ids(db: Session) -> set[int]:
    return set(db.scalars(select(IndividualMeeting.session_id).where(IndividualMeeting.session_id.is_not(None))))


def _phones_by_session(db: Session, member_ids: list[int], session_ids: set[int] | None = None):
    if not member_ids:
        return {}
    query = (select(Participant.session_id, Participant.joined_at, Participant.disconnected_at)
             .join(GroupSession, GroupSession.id == Participant.session_id)
             .where(Participant.roster_member_id.in_(member_ids), Participant.status == "admitted",
                    GroupSession.started_at.is_not(None), GroupSession.ended_at.is_not(None)))
    if session_ids is not None:
        query = query.where(Participant.session_id.in_(sorted(session_ids)))
    phones: dict[int, list[Phone]] = {}
    for session_id, joined, gone in db.execute(query):
        phones.setdefault(session_id, []).append(Phone(joined, gone))
    return phones


def _interval(session: GroupSession, phones: list[Phone], correction: AttendanceCorrection | None, rules: Rules):
    if correction is not None:
        if correction.arrived_at is None or correction.left_at is None:
            return None
        return correction.arrived_at, correction.left_at
    return credited_interval(session.started_at, session.ended_at, phones, threshold=rules.threshold,
                             grace=rules.grace)


def person_entries(db: Session, person_id: int, rules: Rules, *, entry_groups=None) -> list[Entry]:
    """Every entry credited to the person, oldest first. ``entry_groups``: only the
    entries of these groups (a supervisor's view); None: all."""
    members = roster_ids(db, person_id)
    phones = _phones_by_session(db, members)
    corrections = {c.session_id: c for c in db.scalars(
        select(AttendanceCorrection).where(AttendanceCorrection.person_id == person_id))}
    meetings = list(db.scalars(select(IndividualMeeting).where(IndividualMeeting.person_id == person_id)))
    live = {m.session_id: m for m in meetings if m.session_id is not None}
    others_individual = _individual_session_ids(db) - set(live)
    session_ids = (set(phones) | set(corrections)) - others_individual
    sessions = {s.id: s for s in db.scalars(select(GroupSession).where(GroupSession.id.in_(sorted(session_ids | set(live)))))}
    modes = dict(db.execute(select(SessionMode.session_id, SessionMode.mode)
                            .where(SessionMode.session_id.in_(sorted(sessions)))).all()) if sessions else {}
    group_names = dict(db.execute(select(Group.id, Group.name).where(
        Group.id.in_(sorted({s.group_id for s in sessions.values()})))).all()) if sessions else {}
    who = providers(db, [s.facilitator_id for s in sessions.values()] + [m.provider_id for m in meetings])
    entries: list[Entry] = []
    for session_id in sorted(session_ids):
        session = sessions.get(session_id)
        if session is None or session.started_at is None or session.ended_at is None or session_id in live:
            continue
        correction = corrections.get(session_id)
        span = _interval(session, phones.get(session_id, []), correction, rules)
        if span is None:
            continue
        name, qualification = who.get(session.facilitator_id, ("", ""))
        mode = (correction.mode if correction is not None and correction.mode else None) \
            or modes.get(session_id, DEFAULT_MODE)
        entries.append(Entry(GROUP, span[0], span[1], mode, session.facilitator_id, name, qualification,
                             session.group_id, group_names.get(session.group_id, ""), session_id,
                             corrected=correction is not None))
    for meeting in meetings:
        name, qualification = who.get(meeting.provider_id, ("", ""))
        if meeting.session_id is None:
            start, end, corrected, group_id = meeting.started_at, meeting.started_at + timedelta(
                minutes=meeting.minutes), False, None
        else:
            session = sessions.get(meeting.session_id)
            if session is None or session.started_at is None or session.ended_at is None:
                continue  # not held yet
            correction = corrections.get(session.id)
            span = _interval(session, phones.get(session.id, []), correction, rules)
            if span is None:
                continue
            (start, end), corrected, group_id = span, correction is not None, session.group_id
        entries.append(Entry(INDIVIDUAL, start, end, meeting.mode, meeting.provider_id, name, qualification,
                             group_id, group_names.get(group_id, "") if group_id else "",
                             meeting.session_id, meeting.id, corrected))
    if entry_groups is not None:
        entries = [e for e in entries if e.group_id is not None and e.group_id in entry_groups]
    for entry in entries:
        entry.local_start = to_local(entry.start, rules.tz)
    entries.sort(key=lambda e: (e.start, e.kind))
    return entries


def _overlapping(entries: list[Entry], start: datetime, end: datetime, *, session_id=None, meeting_id=None):
    for entry in entries:
        if session_id is not None and entry.session_id == session_id:
            continue
        if meeting_id is not None and entry.meeting_id == meeting_id:
            continue
        if entry.start < end and start < entry.end:
            return entry
    return None


# --- changes -------------------------------------------------------------------------------


def _held(session: GroupSession) -> None:
    if session.started_at is None or session.ended_at is None:
        raise HoursError("session_not_held")


def on_roster_of(db: Session, person_id: int, group_id: int) -> bool:
    return db.scalar(select(RosterLink.roster_member_id).join(RosterMember, RosterMember.id == RosterLink.roster_member_id)
                     .where(RosterLink.person_id == person_id, RosterMember.group_id == group_id).limit(1)) is not None


def correct_attendance(db: Session, actor: User, session: GroupSession, person: Person, rules: Rules, *,
                       absent: bool, arrived: datetime | None, left: datetime | None, mode: str | None,
                       reason: str) -> None:
    """Replace the rule's credit for one person and one session. ``arrived``/``left``
    are UTC; ``absent``: no credit. Refused (nothing changed) when the times run
    backwards, fall outside the held time, or overlap another of the person's entries."""
    _held(session)
    reason = " ".join((reason or "").split())
    if not reason:
        raise HoursError("reason_required")
    if len(reason) > 200:
        raise HoursError("reason_too_long")
    if mode is not None and mode not in MODES:
        raise HoursError("mode_invalid")
    if not on_roster_of(db, person.id, session.group_id):
        raise HoursError("not_on_roster")
    if absent:
        arrived = left = None
    else:
        if arrived is None or left is None:
            raise HoursError("times_required")
        if left <= arrived:
            raise HoursError("negative_duration")
        if arrived < session.started_at or left > session.ended_at:
            raise HoursError("outside_session")
        clash = _overlapping(person_entries(db, person.id, rules), arrived, left, session_id=session.id)
        if clash is not None:
            raise HoursError("overlap", day=clash.day)
    correction = db.get(AttendanceCorrection, (session.id, person.id))
    if correction is None:
        correction = AttendanceCorrection(session_id=session.id, person_id=person.id)
        db.add(correction)
    correction.arrived_at, correction.left_at, correction.mode = arrived, left, mode
    correction.corrected_by, correction.corrected_at = actor.id, utcnow()
    db.flush()
    audit(db, actor, "attendance_corrected", f"session:{session.id}", {
        "person_id": person.id, "reason": reason, "absent": absent, "mode": mode,
        "arrived": arrived.isoformat(timespec="minutes") if arrived else None,
        "left": left.isoformat(timespec="minutes") if left else None,
    })
    letters_state.supersede(db, person.id, [to_local(session.started_at, rules.tz).date()])


def set_session_mode(db: Session, actor: User, session: GroupSession, mode: str, rules: Rules) -> None:
    if mode not in MODES:
        raise HoursError("mode_invalid")
    row = db.get(SessionMode, session.id)
    if row is not None and row.mode == mode:
        return
    if row is None:
        db.add(SessionMode(session_id=session.id, mode=mode))
    else:
        row.mode = mode
    audit(db, actor, "session_mode_set", f"session:{session.id}", {"mode": mode})
    if session.started_at is not None:
        day = to_local(session.started_at, rules.tz).date()
        for person_id in db.scalars(select(RosterLink.person_id).join(RosterMember, RosterMember.id == RosterLink.roster_member_id)
                                    .where(RosterMember.group_id == session.group_id)):
            letters_state.supersede(db, person_id, [day])


def record_meeting(db: Session, provider: User, person: Person, rules: Rules, *, started_at: datetime,
                   minutes: int, mode: str, now: datetime) -> IndividualMeeting:
    """An individual RS/C meeting given by ``provider`` (``started_at`` in UTC)."""
    if mode not in MODES:
        raise HoursError("mode_invalid")
    if minutes < 0:
        raise HoursError("negative_duration")
    if minutes == 0 or minutes > MEETING_MAX_MINUTES:
        raise HoursError("duration_invalid")
    end = started_at + timedelta(minutes=minutes)
    if end > now:
        raise HoursError("meeting_in_future")
    clash = _overlapping(person_entries(db, person.id, rules), started_at, end)
    if clash is not None:
        raise HoursError("overlap", day=clash.day)
    meeting = IndividualMeeting(person_id=person.id, provider_id=provider.id, started_at=started_at,
                                minutes=minutes, mode=mode)
    db.add(meeting)
    db.flush()
    audit(db, provider, "individual_meeting_recorded", f"person:{person.id}",
          {"meeting_id": meeting.id, "minutes": minutes, "mode": mode})
    letters_state.supersede(db, person.id, [to_local(started_at, rules.tz).date()])
    return meeting


def link_live_meeting(db: Session, provider: User, person: Person, session: GroupSession, mode: str) -> IndividualMeeting:
    """Mark a new session as an individual meeting with ``person`` (a session of one)."""
    if mode not in MODES:
        raise HoursError("mode_invalid")
    meeting = IndividualMeeting(person_id=person.id, provider_id=provider.id, started_at=session.created_at or utcnow(),
                                minutes=0, mode=mode, session_id=session.id)
    db.add(meeting)
    db.flush()
    audit(db, provider, "individual_session_started", f"session:{session.id}", {"person_id": person.id})
    return meeting


def session_attendance(db: Session, session: GroupSession, rules: Rules) -> list[dict]:
    """Each person on the group's roster (linked to a person) with their credit for
    this session: the facilitator's page for corrections."""
    rows = db.execute(select(Person, RosterMember.display_name)
                      .join(RosterLink, RosterLink.person_id == Person.id)
                      .join(RosterMember, RosterMember.id == RosterLink.roster_member_id)
                      .where(RosterMember.group_id == session.group_id)
                      .order_by(Person.display_name, Person.id)).all()
    seen, result = set(), []
    for person, _roster_name in rows:
        if person.id in seen:
            continue
        seen.add(person.id)
        entry = next((e for e in person_entries(db, person.id, rules) if e.session_id == session.id), None)
        correction = db.get(AttendanceCorrection, (session.id, person.id))
        result.append({"person": person, "entry": entry, "correction": correction})
    return result

