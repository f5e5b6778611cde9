"""Attendance and hours per rostered person: a person attended a held session when an
admitted participant carried their ``roster_member_id``; hours are the sum of each
session's rounded hours (``sessions.session_hours``)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reflect.models import GroupSession, Participant, RosterMember
from reflect.review.stats.periods import Period, period_years
from reflect.review.stats.scope import held_filter
from reflect.review.stats.sessions import session_hours


def _attended(group_ids: list[int], period: Period):
    """(session, roster member) pairs: someone picked their name and was admitted."""
    return (
        select(Participant.session_id.label("session_id"), Participant.roster_member_id.label("member_id"))
        .join(GroupSession, GroupSession.id == Participant.session_id)
        .where(
            held_filter(group_ids, period),
            Participant.status == "admitted",
            Participant.roster_member_id.is_not(None),
        )
        .distinct()
        .subquery("attended")
    )


class _Tally:
    """Sessions and hours per person, in all and per calendar year (of the session's
    start in the period's zone): each session's rounded hours, summed."""

    def __init__(self, period: Period, members: list[dict]):
        self.years = [y["year"] for y in period_years(period)]
        self.cells: dict[tuple[int, int | None], list] = defaultdict(lambda: [0, Decimal(0)])
        self.members = members

    def add(self, member_id: int, year: int, h: Decimal) -> None:
        for key in ((member_id, None), (member_id, year)):
            self.cells[key][0] += 1
            self.cells[key][1] += h

    def finish(self) -> None:
        for m in self.members:
            n, h = self.cells.get((m["id"], None), (0, Decimal(0)))
            m["sessions"], m["hours"] = n, float(h)
            m["years"] = []
            for year in self.years:
                n, h = self.cells.get((m["id"], year), (0, Decimal(0)))
                m["years"].append({"year": year, "sessions": n, "hours": float(h)})


def attendance(db: Session, group_ids: list[int], period: Period, *, log: bool = False) -> dict:
    """Per rostered person: sessions attended and hours, in all and per calendar year
    (``years``: each year the period touches, counting only its sessions within the
    period); with ``log`` also one row per held session (who attended) and one row per
    person and session."""
    attended = _attended(group_ids, period)
    members = [
        {"id": member_id, "group_id": group_id, "name": name, "active": bool(active), "sessions": 0, "hours": 0.0}
        for member_id, group_id, name, active in db.execute(
            select(RosterMember.id, RosterMember.group_id, RosterMember.display_name, RosterMember.active)
            .where(RosterMember.group_id.in_(group_ids))
            .order_by(RosterMember.group_id, RosterMember.display_name, RosterMember.id)
        )
    ]
    by_id = {m["id"]: m for m in members}
    tally = _Tally(period, members)
    years = period_years(period)
    if not log:
        # One row per (person, session): each session's hours rounded once, then summed,
        # exactly as the log adds up.
        for member_id, started, ended in db.execute(
            select(attended.c.member_id, GroupSession.started_at, GroupSession.ended_at)
            .join(GroupSession, GroupSession.id == attended.c.session_id)
        ):
            if member_id in by_id:
                tally.add(member_id, period.local(started).year, session_hours(started, ended))
        tally.finish()
        return {"members": members, "years": years}

    # The log: every held session once, then who attended it; totals follow from the log.
    sessions = {}
    for session_id, group_id, started, ended in db.execute(
        select(GroupSession.id, GroupSession.group_id, GroupSession.started_at, GroupSession.ended_at)
        .where(held_filter(group_ids, period))
        .order_by(GroupSession.started_at.desc(), GroupSession.id)
    ):
        h = session_hours(started, ended)
        local_start, local_end = period.local(started), period.local(ended)
        sessions[session_id] = {
            "id": session_id, "group_id": group_id, "date": local_start.date().isoformat(),
            "start": local_start.isoformat(timespec="minutes"), "end": local_end.isoformat(timespec="minutes"),
            "start_utc": started.isoformat(timespec="minutes"), "end_utc": ended.isoformat(timespec="minutes"),
            "hours": float(h), "exact": h, "year": local_start.year, "attendees": [], "others": 0,
        }
    entries = []
    for session_id, member_id in db.execute(select(attended.c.session_id, attended.c.member_id)):
        s, m = sessions.get(session_id), by_id.get(member_id)
        if s is None or m is None:
            continue
        tally.add(member_id, s["year"], s["exact"])
        s["attendees"].append(m["name"])
        entries.append({"member_id": member_id, "name": m["name"], "group_id": s["group_id"], "session_id": session_id,
                        "date": s["date"], "start": s["start"], "end": s["end"], "start_utc": s["start_utc"],
                        "end_utc": s["end_utc"], "hours": s["hours"]})
    tally.finish()
    for session_id, n in db.execute(
        select(Participant.session_id, func.count())
        .join(GroupSession, GroupSession.id == Participant.session_id)
        .where(held_filter(group_ids, period), Participant.status == "admitted", Participant.roster_member_id.is_(None))
        .group_by(Participant.session_id)
    ):
        if session_id in sessions:
            sessions[session_id]["others"] = int(n)
    rows = []
    for s in sessions.values():
        s["attendees"].sort(key=str.casefold)
        s.pop("exact")
        s.pop("year")
        rows.append(s)
    entries.sort(key=lambda e: (e["name"].casefold(), e["member_id"], e["date"], e["session_id"]))
    return {"members": members, "years": years, "sessions": rows, "log": entries}


def group_attendance_summary(db: Session, group_ids: list[int], period: Period) -> dict[int, dict]:
    """Per group: rostered members and person-sessions attended in the period."""
    attended = _attended(group_ids, period)
    roster = dict(
        db.execute(
            select(RosterMember.group_id, func.count())
            .where(RosterMember.group_id.in_(group_ids), RosterMember.active.is_(True))
            .group_by(RosterMember.group_id)
        ).all()
    )
    visits = dict(
        db.execute(
            select(GroupSession.group_id, func.count())
            .select_from(attended)
            .join(GroupSession, GroupSession.id == attended.c.session_id)
            .group_by(GroupSession.group_id)
        ).all()
    )
    return {gid: {"roster": int(roster.get(gid, 0)), "attendances": int(visits.get(gid, 0))} for gid in group_ids}
