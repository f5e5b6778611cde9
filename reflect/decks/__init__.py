"""The deck pages: the catalogue, the deck editor, import and export in the web UI.

The deck format and its rules are :mod:`reflect.prompts` (the catalogue in
:mod:`reflect.prompts.store`, the card operations in :mod:`reflect.prompts.card_edits`);
this package holds the pages and the user-facing text for the store's error codes.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

DECK_ERRORS = {
    "builtin_read_only": _l("Built-in decks cannot be changed. Duplicate the deck to make a copy you can edit."),
    "not_found": _l("There is no such deck."),
    "id_builtin": _l("A built-in deck already uses the id “%(id)s”. Change the id in the file and try again."),
    "id_taken": _l("Another person's deck already uses the id “%(id)s”. Change the id in the file and try again."),
    "already_exists": _l(
        "You already have a deck with the id “%(id)s”. Choose “Replace my deck with the same id” "
        "to replace it, or change the id in the file."
    ),
    "id_immutable": _l("A deck's id cannot be changed."),
    "card_not_found": _l("There is no such card in this deck."),
    "last_card": _l("A deck needs at least one card. Add another card before deleting this one."),
    "too_many_cards": _l("This deck already has as many cards as a deck may have."),
    "retire_first": _l("Retire the deck before deleting it."),
    "deck_in_use": _l("Sessions have used this deck, so it cannot be deleted. It stays retired."),
    "bad_order": _l("The new order must list every card exactly once."),
}


def deck_error(err) -> str:
    """The message for a ``DeckStoreError`` (its ``code`` and ``deck_id``)."""
    message = DECK_ERRORS.get(err.code)
    if message is None:
        return str(err.code)
    return str(message) % {"id": err.deck_id or ""} if "%(id)s" in str(message) else str(message)
