"""The deck format: what a prompt deck is and everything that reads, checks and keeps one.

No pages here (those are :mod:`reflect.decks`, the deck pages). ``model`` is a deck and
its cards, ``schema`` and ``limits`` check a deck's data (``messages`` puts the problems
into the reader's language), ``loader`` reads deck files and the built-in decks
(``decks/``, data), ``toml_writer`` writes one, ``localize`` picks the reader's language,
``themes`` is the theme and perspective vocabulary. ``store`` is the catalogue of
built-in and custom decks, ``card_edits`` the editor's card operations, ``cli`` the
``reflect decks`` commands.
"""

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
