"""The facilitator's private notes and theme tags."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reflect.db import Base, utcnow


class ThemeTag(Base):
    """A theme tag. ``owner_id`` NULL: the seeded vocabulary shared by everyone."""

    __tablename__ = "theme_tags"
    __table_args__ = (UniqueConstraint("owner_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    label: Mapped[dict]  # {"en": ..., "es": ...}
    retired: Mapped[bool] = mapped_column(default=False)


class Note(Base):
    """Private unless ``shared_with_supervisor``. Stamped with the phase and card."""

    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("author_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(16))
    session_card_id: Mapped[int | None] = mapped_column(ForeignKey("session_cards.id", ondelete="SET NULL"))
    text: Mapped[str | None] = mapped_column(Text)
    shared_with_supervisor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]

    tags: Mapped[list[ThemeTag]] = relationship(secondary="note_tags", order_by=ThemeTag.slug)


class NoteTag(Base):
    __tablename__ = "note_tags"

    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("theme_tags.id", ondelete="CASCADE"), primary_key=True)
