"""The deck editor says which language a deck needs (its first, main one) and, when a
text lacks it, says so plainly in the reader's language: no "text.en: Missing data"."""
from __future__ import annotations

import html

from sqlalchemy import select

from reflect.db import get_session
from reflect.models import CustomDeck, User
from reflect.prompts import store
from tests.helpers import csrf, sign_in_as

JARGON = ("Missing data", "primary language", "text.en", "text.es", "title.es", "followup.en")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _deck(app, email: str, deck_id: str, languages: list[str]) -> None:
    main = languages[0]
    with app.app_context():
        db = get_session()
        owner = db.scalar(select(User).where(User.email == email))
        store.create_deck(db, owner, {
            "id": deck_id, "version": 1, "languages": languages,
            "title": {main: "Deck"}, "description": {main: "For tests."},
            "cards": [{"id": "a", "text": {main: "Card A"}, "perspective": "parent", "themes": ["describing"]}],
        })
        db.commit()


def _stored(app, deck_id):
    with app.app_context():
        return dict(get_session().get(CustomDeck, deck_id).data)


def _card(token, **fields):
    data = {"csrf_token": token, "text_en": "", "text_es": "", "followup_en": "", "followup_es": "",
            "perspective": "parent", "themes": ["describing"]}
    data.update(fields)
    return data


def test_a_card_without_the_decks_main_language_gets_a_plain_message(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    _deck(app, "f@example.org", "english-deck", ["en", "es"])
    before = _stored(app, "english-deck")
    page = _text(client.get("/decks/english-deck/cards/new"))
    assert "This deck's main language is English: the card needs its English text; Spanish is optional." in page
    token = csrf(client, "/decks/english-deck/cards/new")

    for url in ("/decks/english-deck/cards/new", "/decks/english-deck/cards/a/edit"):
        response = client.post(url, data=_card(token, text_es="Solo en español"))
        text = _text(response)
        assert response.status_code == 400
        assert "This deck's main language is English: write the card's text in English." in text
        assert not any(word in text for word in JARGON), text
    response = client.post("/decks/english-deck/cards/a/edit",
                           data=_card(token, text_en="Card A", followup_es="¿Y luego?"))
    assert "write the follow-up question in English as well, or leave it out" in _text(response)
    assert _stored(app, "english-deck") == before

    spanish = client.post("/decks/english-deck/cards/new", data=_card(token, text_es="Solo en español"),
                          headers={"Accept-Language": "es"})
    assert "El idioma principal de este mazo es el inglés: escribe el texto de la tarjeta en inglés." \
        in _text(spanish)


def test_a_spanish_deck_needs_spanish_and_says_so(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    _deck(app, "f@example.org", "mazo", ["es"])
    token = csrf(client, "/decks/mazo/cards/new")
    assert "This deck's main language is Spanish" in _text(client.get("/decks/mazo/cards/new"))
    response = client.post("/decks/mazo/cards/new", data=_card(token, text_en="Only English"))
    assert response.status_code == 400
    assert "This deck's main language is Spanish: write the card's text in Spanish." in _text(response)
    edit = client.post("/decks/mazo/edit", data={"csrf_token": token, "title_en": "Deck", "title_es": "",
                                                 "description_en": "", "description_es": "Para pruebas."})
    assert edit.status_code == 400
    assert "This deck's main language is Spanish: give the title in Spanish." in _text(edit)
    assert not any(word in _text(edit) for word in JARGON)
    assert "This deck's main language is Spanish: the title and the description need their Spanish text" \
        in _text(client.get("/decks/mazo/edit"))
    ok = client.post("/decks/mazo/cards/new", data=_card(token, text_es="Solo español", text_en="And English"))
    assert ok.status_code == 302


def test_a_new_decks_card_needs_its_titles_language(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    token = csrf(client, "/decks/new")
    assert "The deck's main language is the language of its title" in _text(client.get("/decks/new"))
    response = client.post("/decks/new", data=_card(token, title_en="Circle", description_en="Short.",
                                                    text_es="Solo en español"))
    assert response.status_code == 400
    assert "This deck's main language is English: write the card's text in English." in _text(response)
    assert not any(word in _text(response) for word in JARGON)
    with app.app_context():
        assert get_session().scalars(select(CustomDeck)).all() == []
