"""Prompt decks: format, validation, loading, localization and theme vocabulary."""

from .loader import (
    builtin_decks,
    get_builtin,
    load_deck_bytes,
    load_deck_file,
    validate_paths,
)
from .localize import LocalizedCard, LocalizedDeck, localize_card, localize_deck, localize_text
from .model import SUPPORTED_LANGUAGES, Card, Deck, Link
from .schema import DeckError, DeckSchema, validate_deck_data
from .themes import (
    PERSPECTIVE_SLUGS,
    PERSPECTIVES,
    THEME_SLUGS,
    THEMES,
    Perspective,
    Theme,
    perspective_label,
    theme_label,
)

__all__ = [
    "Card",
    "Deck",
    "DeckError",
    "DeckSchema",
    "Link",
    "LocalizedCard",
    "LocalizedDeck",
    "PERSPECTIVES",
    "PERSPECTIVE_SLUGS",
    "Perspective",
    "SUPPORTED_LANGUAGES",
    "THEMES",
    "THEME_SLUGS",
    "Theme",
    "builtin_decks",
    "get_builtin",
    "load_deck_bytes",
    "load_deck_file",
    "localize_card",
    "localize_deck",
    "localize_text",
    "perspective_label",
    "theme_label",
    "validate_deck_data",
    "validate_paths",
]
