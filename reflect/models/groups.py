"""Groups, their optional roster of regulars, and supervisor assignments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflect.db import Base, utcnow
from reflect.models.accounts import User


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived: Mapped[bool] = mapped_column(default=False)

    facilitator: Mapped[User] = relationship()
    roster: Mapped[list["RosterMember"]] = relationship(
        back_populates="group", order_by="RosterMember.display_name", cascade="all, delete-orphan"
    )


class RosterMember(Base):
    """A regular member of a group: lets attendance and hours be kept per person."""

    __tablename__ = "roster_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)

    group: Mapped[Group] = relationship(back_populates="roster")


class SupervisorAssignment(Base):
    __tablename__ = "supervisor_assignments"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
