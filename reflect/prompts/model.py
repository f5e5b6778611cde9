"""Immutable prompt-deck objects and their export shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es")


@dataclass(frozen=True)
class Link:
    """A deck-level reference link (label per language, https URL)."""

    label: dict[str, str]
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": dict(self.label), "url": self.url}


@dataclass(frozen=True)
class Card:
    """One prompt card. ``text``/``followup`` map language code -> text."""

    id: str
    text: dict[str, str]
    followup: dict[str, str] | None
    perspective: str
    themes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": dict(self.text)}
        if self.followup:
            out["followup"] = dict(self.followup)
        out["perspective"] = self.perspective
        out["themes"] = list(self.themes)
        return out


@dataclass(frozen=True)
class Deck:
    """A validated deck. ``languages[0]`` is the primary (fallback) language."""

    id: str
    version: int
    languages: tuple[str, ...]
    title: dict[str, str]
    description: dict[str, str]
    links: tuple[Link, ...]
    cards: tuple[Card, ...]
    builtin: bool = False

    @property
    def primary_language(self) -> str:
        return self.languages[0]

    def card(self, card_id: str) -> Card | None:
        return next((c for c in self.cards if c.id == card_id), None)

    def to_dict(self) -> dict[str, Any]:
        """Export shape (JSON/TOML-ready); ``builtin`` is not exported."""
        return {
            "id": self.id,
            "version": self.version,
            "languages": list(self.languages),
            "title": dict(self.title),
            "description": dict(self.description),
            "links": [link.to_dict() for link in self.links],
            "cards": [card.to_dict() for card in self.cards],
        }
