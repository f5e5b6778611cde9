"""Pick the viewer's language for deck and card text, falling back to the primary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .model import Card, Deck, Link


def normalize_locale(locale: str | None) -> str:
    """'es-MX' / 'es_MX' / 'ES' -> 'es'."""
    return (locale or "").replace("_", "-").split("-")[0].strip().lower()


def localize_text(
    mapping: Mapping[str, str] | None, languages: Sequence[str], locale: str | None
) -> tuple[str, str, bool]:
    """Return ``(text, lang, fallback)``; fallback is True when not in ``locale``."""
    if not mapping:
        return "", (languages[0] if languages else ""), True
    want = normalize_locale(locale)
    if want in mapping:
        return mapping[want], want, False
    if not want and languages and languages[0] in mapping:
        return mapping[languages[0]], languages[0], False  # no preference: primary
    for lang in list(languages) + list(mapping):
        if lang in mapping:
            return mapping[lang], lang, True
    return "", "", True  # pragma: no cover - mapping is non-empty


@dataclass(frozen=True)
class LocalizedCard:
    id: str
    text: str
    followup: str | None
    lang: str
    fallback: bool
    perspective: str
    themes: tuple[str, ...]


@dataclass(frozen=True)
class LocalizedLink:
    label: str
    url: str
    lang: str
    fallback: bool


@dataclass(frozen=True)
class LocalizedDeck:
    id: str
    version: int
    title: str
    description: str
    lang: str
    fallback: bool
    links: tuple[LocalizedLink, ...]
    cards: tuple[LocalizedCard, ...]
    builtin: bool


def localize_card(card: Card, deck_languages: Sequence[str], locale: str | None) -> LocalizedCard:
    """The card in ``locale`` if it has it, else in the deck's primary language."""
    text, lang, fallback = localize_text(card.text, deck_languages, locale)
    followup = None
    if card.followup:
        # Keep the follow-up in the same language as the card text when possible.
        followup = card.followup.get(lang) or localize_text(card.followup, deck_languages, locale)[0]
    return LocalizedCard(
        id=card.id,
        text=text,
        followup=followup,
        lang=lang,
        fallback=fallback,
        perspective=card.perspective,
        themes=card.themes,
    )


def localize_link(link: Link, deck_languages: Sequence[str], locale: str | None) -> LocalizedLink:
    label, lang, fallback = localize_text(link.label, deck_languages, locale)
    return LocalizedLink(label=label, url=link.url, lang=lang, fallback=fallback)


def localize_deck(deck: Deck, locale: str | None) -> LocalizedDeck:
    """Title, description, links and cards of ``deck`` for one viewer."""
    title, lang, fallback = localize_text(deck.title, deck.languages, locale)
    description = localize_text(deck.description, deck.languages, locale)[0]
    return LocalizedDeck(
        id=deck.id,
        version=deck.version,
        title=title,
        description=description,
        lang=lang,
        fallback=fallback,
        links=tuple(localize_link(x, deck.languages, locale) for x in deck.links),
        cards=tuple(localize_card(c, deck.languages, locale) for c in deck.cards),
        builtin=deck.builtin,
    )
