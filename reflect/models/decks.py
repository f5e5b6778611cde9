"""Facilitators' own decks. Built-in decks are data files in ``reflect/prompts/decks``."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from reflect.db import Base, utcnow


class CustomDeck(Base):
    __tablename__ = "custom_decks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The deck in its export shape (see reflect.prompts.model.Deck.to_dict).
    data: Mapped[dict]
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
