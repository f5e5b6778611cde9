"""The decks shipped with reflect: valid, complete in English and Spanish, de-identified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reflect.prompts import (
    PERSPECTIVE_SLUGS,
    THEME_SLUGS,
    builtin_decks,
    get_builtin,
    validate_deck_data,
    validate_paths,
)
from reflect.prompts.loader import DECKS_DIR

REQUIRED_IDS = {
    "multiple-perspectives",
    "family-story",
    "holding-the-baby-in-mind",
    "use-of-self",
    "parallel-process",
    "culture-and-equity",
    "arriving-and-closing",
    "practice-vignettes",
}
TENETS_URL = "https://diversityinformedtenets.org/"

DECKS = builtin_decks()
ALL_CARDS = [(deck, card) for deck in DECKS for card in deck.cards]


def test_at_least_seven_builtin_decks_with_required_ids():
    assert len(DECKS) >= 7
    assert REQUIRED_IDS <= {d.id for d in DECKS}


def test_every_deck_file_validates():
    results = validate_paths([DECKS_DIR])
    assert len(results) == len(DECKS)
    assert {k: v for k, v in results.items() if v} == {}


def test_builtin_decks_cached_and_stable():
    assert builtin_decks() is DECKS
    assert [d.id for d in DECKS][:2] == ["arriving-and-closing", "multiple-perspectives"]
    assert get_builtin("family-story").id == "family-story"
    assert get_builtin("no-such-deck") is None


@pytest.mark.parametrize("deck", DECKS, ids=lambda d: d.id)
def test_deck_shape(deck):
    assert deck.builtin is True
    assert (DECKS_DIR / f"{deck.id}.toml").is_file()
    assert 6 <= len(deck.cards) <= 10
    assert deck.languages == ("en", "es")
    for field in (deck.title, deck.description):
        assert set(field) == {"en", "es"}
        assert field["en"] != field["es"]


@pytest.mark.parametrize("deck", DECKS, ids=lambda d: d.id)
def test_every_card_complete_in_english_and_spanish(deck):
    for card in deck.cards:
        assert set(card.text) == {"en", "es"}, card.id
        assert card.text["en"] != card.text["es"], card.id
        if card.followup is not None:
            assert set(card.followup) == {"en", "es"}, card.id
        assert card.perspective in PERSPECTIVE_SLUGS
        assert 1 <= len(card.themes) <= 3, card.id
        assert set(card.themes) <= set(THEME_SLUGS)


@pytest.mark.parametrize("deck", DECKS, ids=lambda d: d.id)
def test_round_trip(deck):
    assert validate_deck_data(deck.to_dict(), deck.id, builtin=True) == deck


def test_card_ids_unique_across_all_builtin_decks():
    ids = [card.id for _, card in ALL_CARDS]
    assert len(ids) == len(set(ids))


def test_multiple_perspectives_covers_every_perspective():
    deck = get_builtin("multiple-perspectives")
    assert {c.perspective for c in deck.cards} == set(PERSPECTIVE_SLUGS)


def test_culture_and_equity_links_to_tenets_without_restating_them():
    deck = get_builtin("culture-and-equity")
    assert TENETS_URL in [link.url for link in deck.links]
    for card in deck.cards:
        for text in list(card.text.values()) + list((card.followup or {}).values()):
            assert "tenet" not in text.lower(), card.id


def test_practice_vignettes_have_followups():
    deck = get_builtin("practice-vignettes")
    vignettes = [c for c in deck.cards if c.perspective != "group"]
    assert len(vignettes) == 5
    assert all(c.followup for c in deck.cards)


MONTHS = (
    "january february march april may june july august september october november december "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
# A few common first names, as a backstop for names at the start of a sentence.
COMMON_NAMES = set(
    "maria mary ana anna jose juan luis carlos sofia sophia emma olivia liam noah mateo "
    "santiago valentina camila lucia james john michael david sarah jessica ashley "
    "jennifer guadalupe rosa carmen miguel angel daniel jacob ava mia isabella".split()
)
# Capitalised words allowed mid-sentence (everything else could be a name or place).
ALLOWED_CAPITALISED = {"Irving", "Harris", "Foundation", "Diversity-Informed", "Tenets", "Work", "Infants", "Children", "Families"}


def _texts(card):
    yield from card.text.values()
    yield from (card.followup or {}).values()


@pytest.mark.parametrize("deck", DECKS, ids=lambda d: d.id)
def test_no_identifying_details_in_cards(deck):
    for card in deck.cards:
        for text in _texts(card):
            assert not re.search(r"\d", text), (card.id, "digits (dates, ages, numbers)")
            assert not re.search(r"@|https?://|www\.", text), (card.id, "contact details")
            words = re.findall(r"[\wÀ-ÿ'-]+", text.lower())
            assert not set(words) & set(MONTHS), (card.id, "month name")
            assert not set(words) & COMMON_NAMES, (card.id, "personal name")
            # A capitalised word that does not start a sentence may be a personal name.
            for match in re.finditer(r"(?<![.?!¿¡:(]\s)(?<!^)\b([A-ZÁÉÍÓÚÑ][\wáéíóúñ-]+)", text):
                if match.start() > 0 and text[match.start() - 1] not in "¿¡'\"(":
                    assert match.group(1) in ALLOWED_CAPITALISED, (card.id, match.group(1))
