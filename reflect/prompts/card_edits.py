"""The editor's card operations on a custom deck: add, edit, delete, move, reorder.

Each goes through ``store.apply_change``: the deck schema checks the result before
anything is written, and the version goes up only when something changed."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.models import User

from .model import Card, Deck
from .schema import MAX_CARDS
from .store import DeckStoreError, apply_change, clean_text


def _next_card_id(deck: Deck | Mapping[str, Any]) -> str:
    cards = deck.cards if isinstance(deck, Deck) else deck.get("cards") or []
    used = {c.id if isinstance(c, Card) else c.get("id") for c in cards}
    n = len(used) + 1
    while f"card-{n}" in used:
        n += 1
    return f"card-{n}"


def _card_index(cards: list, card_id: str, deck_id: str) -> int:
    for i, card in enumerate(cards):
        if isinstance(card, dict) and card.get("id") == card_id:
            return i
    raise DeckStoreError("card_not_found", deck_id)


def _card_data(card: Mapping[str, Any], card_id: str) -> dict:
    out = {
        "id": card_id,
        "text": clean_text(dict(card.get("text") or {})),
        "perspective": card.get("perspective"),
        "themes": list(card.get("themes") or []),
    }
    followup = clean_text(card.get("followup"))
    if followup:
        out["followup"] = dict(followup)
    return out


def add_card(db: Session, actor: User | None, deck_id: str, card: Mapping[str, Any]) -> Deck:
    """Append a card (text, followup, perspective, themes; id made up when missing)."""

    def change(data: dict) -> None:
        if len(data["cards"]) >= MAX_CARDS:
            raise DeckStoreError("too_many_cards", deck_id)
        data["cards"].append(_card_data(card, card.get("id") or _next_card_id(data)))

    return apply_change(db, actor, deck_id, change)


def edit_card(db: Session, actor: User | None, deck_id: str, card_id: str, card: Mapping[str, Any]) -> Deck:
    """Replace a card's text, followup, perspective and themes (its id stays)."""

    def change(data: dict) -> None:
        i = _card_index(data["cards"], card_id, deck_id)
        data["cards"][i] = _card_data(card, card_id)

    return apply_change(db, actor, deck_id, change)


def delete_card(db: Session, actor: User | None, deck_id: str, card_id: str) -> Deck:
    """Remove a card; a deck keeps at least one."""

    def change(data: dict) -> None:
        i = _card_index(data["cards"], card_id, deck_id)
        if len(data["cards"]) == 1:
            raise DeckStoreError("last_card", deck_id)
        del data["cards"][i]

    deck = apply_change(db, actor, deck_id, change)
    record(db, actor, "deck_card_deleted", f"deck:{deck_id}", {"cards": len(deck.cards)})
    return deck


def move_card(db: Session, actor: User | None, deck_id: str, card_id: str, offset: int) -> Deck:
    """Move a card ``offset`` places (-1: up, +1: down); clamped at either end."""

    def change(data: dict) -> None:
        cards = data["cards"]
        i = _card_index(cards, card_id, deck_id)
        j = max(0, min(len(cards) - 1, i + int(offset)))
        cards.insert(j, cards.pop(i))

    return apply_change(db, actor, deck_id, change)


def move_card_up(db: Session, actor: User | None, deck_id: str, card_id: str) -> Deck:
    return move_card(db, actor, deck_id, card_id, -1)


def move_card_down(db: Session, actor: User | None, deck_id: str, card_id: str) -> Deck:
    return move_card(db, actor, deck_id, card_id, +1)


def reorder_cards(db: Session, actor: User | None, deck_id: str, card_ids: list[str]) -> Deck:
    """Put the cards in this order; ``card_ids`` must name every card exactly once."""

    def change(data: dict) -> None:
        by_id = {c["id"]: c for c in data["cards"]}
        if sorted(card_ids) != sorted(by_id) or len(set(card_ids)) != len(card_ids):
            raise DeckStoreError("bad_order", deck_id)
        data["cards"] = [by_id[x] for x in card_ids]

    return apply_change(db, actor, deck_id, change)
