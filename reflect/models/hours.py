"""Reflective-supervision hours: people of the program, providers, individual meetings,
attendance corrections, issued letters and practitioners' personal links.

Nothing here holds what anyone said: no answer, check-in, takeaway or note, and no
reference to a row that could lead to one. Group credit is worked out from attendance
(``Participant`` rows linked to a roster entry) and the session's own times.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reflect.db import Base, utcnow


class Person(Base):
    """One practitioner of the program, whatever groups' rosters they are on."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    # the month their endorsement year starts (renewal counts hours per such year)
    year_start_month: Mapped[int] = mapped_column(default=1)
    # who added them: a facilitator sees the people they added before any roster link
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RosterLink(Base):
    """A roster entry (one group's) belongs to one person."""

    __tablename__ = "roster_links"

    roster_member_id: Mapped[int] = mapped_column(ForeignKey("roster_members.id", ondelete="CASCADE"),
                                                  primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)


class ProviderProfile(Base):
    """How a facilitator appears on hours records: their name and qualification."""

    __tablename__ = "provider_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    qualification: Mapped[str] = mapped_column(String(200), default="")


class IndividualMeeting(Base):
    """A one-to-one RS/C meeting: recorded by hand, or run live as a session of one
    (``session_id``; its credited time then comes from the session's attendance)."""

    __tablename__ = "individual_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime]  # UTC
    minutes: Mapped[int]
    mode: Mapped[str] = mapped_column(String(16))  # in_person | video | phone
    session_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id", ondelete="SET NULL"),
                                                   unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionMode(Base):
    """How a group session met (in person, by video, by phone): shown on its entries."""

    __tablename__ = "session_modes"

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))


class AttendanceCorrection(Base):
    """The facilitator's correction of one person's attendance of one session; both
    times NULL: did not attend. The reason is kept in the audit trail."""

    __tablename__ = "attendance_corrections"

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    arrived_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    mode: Mapped[str | None] = mapped_column(String(16))
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)


class HoursLetter(Base):
    """A letter a provider signed off: what it said is kept as issued (``data``)."""

    __tablename__ = "hours_letters"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    data: Mapped[dict]
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]


class PractitionerLink(Base):
    """A personal, revocable link to one person's own record (kept only as a hash)."""

    __tablename__ = "practitioner_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
