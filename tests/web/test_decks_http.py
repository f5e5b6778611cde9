"""The deck pages through HTTP: who may see and change what, the editor, import, export."""
from __future__ import annotations

import html
import io
import json
import re
import tomllib
from pathlib import Path

from sqlalchemy import select

from reflect.db import get_session
from reflect.models import CustomDeck, User
from reflect.prompts import get_builtin, store
from tests.helpers import csrf, csrf_from, sign_in_as

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "decks"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _make_deck(app, email, deck_id="my-deck", **extra):
    data = {
        "id": deck_id,
        "version": 1,
        "languages": ["en", "es"],
        "title": {"en": "My deck", "es": "Mi mazo"},
        "description": {"en": "For tests.", "es": "Para pruebas."},
        "cards": [
            {"id": "a", "text": {"en": "Card A", "es": "Carta A"}, "perspective": "parent",
             "themes": ["describing"]},
            {"id": "b", "text": {"en": "Card B only in English"}, "perspective": "child",
             "themes": ["exploring", "closing"]},
            {"id": "c", "text": {"en": "Card C", "es": "Carta C"}, "perspective": "group", "themes": ["linking"]},
        ],
    }
    data.update(extra)
    with app.app_context():
        db = get_session()
        owner = db.scalar(select(User).where(User.email == email))
        store.create_deck(db, owner, data)
        db.commit()


def _stored(app, deck_id):
    with app.app_context():
        row = get_session().get(CustomDeck, deck_id)
        return None if row is None else dict(row.data)


def _card_form(token, **fields):
    data = {"csrf_token": token, "text_en": "", "text_es": "", "followup_en": "", "followup_es": "",
            "perspective": "parent", "themes": ["describing"]}
    data.update(fields)
    return data


def test_supervisors_are_refused_and_strangers_sent_to_sign_in(app, client):
    assert client.get("/decks/").status_code == 302
    sign_in_as(app, client, "supervisor")
    for url in ("/decks/", "/decks/family-story/", "/decks/new", "/decks/export.json"):
        assert client.get(url).status_code == 403, url
    assert client.post("/decks/family-story/duplicate", data={"csrf_token": csrf(client, "/account")}).status_code == 403


def test_the_list_shows_builtin_and_own_decks_in_the_viewers_language(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    make_other = app.test_client()
    sign_in_as(app, make_other, "facilitator", "other@example.org")
    _make_deck(app, "f@example.org")
    _make_deck(app, "other@example.org", "their-deck", title={"en": "Their deck"})
    _make_deck(app, "f@example.org", "old-deck", title={"en": "Old deck"})
    with app.app_context():
        db = get_session()
        store.retire_deck(db, None, "old-deck")
        db.commit()

    page = _text(client.get("/decks/"))
    assert "Multiple perspectives" in page and "My deck" in page
    assert "Their deck" not in page
    retired = page.split("Retired decks", 1)[1]
    assert "Old deck" in retired and "My deck" not in retired
    assert 'href="/decks/new"' in page and 'enctype="multipart/form-data"' in page

    client.set_cookie("reflect_lang", "es")
    page = _text(client.get("/decks/"))
    assert "Múltiples perspectivas" in page and "Mi mazo" in page


def test_another_facilitators_deck_is_not_found(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    other = app.test_client()
    sign_in_as(app, other, "facilitator", "other@example.org")
    _make_deck(app, "other@example.org", "their-deck")
    before = _stored(app, "their-deck")
    token = csrf(client, "/decks/")
    assert client.get("/decks/their-deck/").status_code == 404
    assert client.get("/decks/their-deck/edit").status_code == 404
    assert client.get("/decks/their-deck/export.json").status_code == 404
    assert client.post("/decks/their-deck/edit", data={"csrf_token": token, "title_en": "Mine"}).status_code == 404
    assert client.post("/decks/their-deck/cards/a/move", data={"csrf_token": token, "direction": "down"}).status_code == 404
    assert client.post("/decks/their-deck/retire", data={"csrf_token": token}).status_code == 404
    assert _stored(app, "their-deck") == before

    admin = app.test_client()
    sign_in_as(app, admin, "admin")
    page = _text(admin.get("/decks/their-deck/"))
    assert "<dt>Owner</dt><dd>Facilitator</dd>" in page  # the owner's name, for the admin
    assert "Edit title and description" in page


def test_builtin_decks_are_read_only(app, client):
    sign_in_as(app, client, "facilitator")
    page = _text(client.get("/decks/family-story/"))
    assert "Duplicate to edit" in page
    assert "Move up" not in page and "Edit title and description" not in page and "/edit" not in page
    token = csrf_from(page)
    card_id = get_builtin("family-story").cards[1].id
    assert client.get("/decks/family-story/edit").status_code == 403
    assert client.post("/decks/family-story/edit", data={"csrf_token": token, "title_en": "Hacked",
                                                         "description_en": "x"}).status_code == 403
    assert client.post(f"/decks/family-story/cards/{card_id}/move",
                       data={"csrf_token": token, "direction": "up"}).status_code == 403
    assert client.post(f"/decks/family-story/cards/{card_id}/edit",
                       data=_card_form(token, text_en="Hacked")).status_code == 403
    assert client.post("/decks/family-story/retire", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert get_session().scalar(select(CustomDeck)) is None
    assert "Hacked" not in _text(client.get("/decks/family-story/"))


def test_deck_page_marks_missing_translations_and_labels_tags(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    _make_deck(app, "f@example.org")
    page = _text(client.get("/decks/my-deck/"))
    assert "Card A" in page and "Parent" in page and "Describing" in page
    assert "(English)" not in page  # an English viewer has everything in English

    client.set_cookie("reflect_lang", "es")
    page = _text(client.get("/decks/my-deck/"))
    assert "Carta A" in page and "Mamá, papá o cuidador" in page and "Describir" in page
    card_b = page.split('id="card-b"', 1)[1].split("</li>", 1)[0]
    assert 'lang="en"' in card_b and "Card B only in English" in card_b
    assert re.search(r'class="fallback"[^>]*>\(', card_b)  # "(English)", translated as "(inglés)"


def test_duplicate_edit_card_and_reorder(app, client):
    sign_in_as(app, client, "facilitator")
    token = csrf(client, "/decks/family-story/")
    response = client.post("/decks/family-story/duplicate", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/decks/family-story-copy/")
    page = _text(client.get("/decks/family-story-copy/"))
    source = get_builtin("family-story")
    assert source.title["en"] + " (copy)" in page
    assert "Move up" in page and "(card 2 of" in page

    first, second = source.cards[0], source.cards[1]
    form = _text(client.get(f"/decks/family-story-copy/cards/{second.id}/edit"))
    assert second.text["es"] in form
    assert "<legend>" in form and form.count('type="checkbox"') > 30
    data = _card_form(csrf_from(form), text_en=second.text["en"], text_es="Texto nuevo en español",
                      perspective=second.perspective, themes=list(second.themes))
    response = client.post(f"/decks/family-story-copy/cards/{second.id}/edit", data=data)
    assert response.status_code == 302
    response = client.post(f"/decks/family-story-copy/cards/{second.id}/move",
                           data={"csrf_token": token, "direction": "up"})
    assert response.status_code == 302
    stored = _stored(app, "family-story-copy")
    assert [c["id"] for c in stored["cards"][:2]] == [second.id, first.id]
    assert stored["cards"][0]["text"]["es"] == "Texto nuevo en español"
    assert stored["version"] == 3


def test_create_add_delete_retire_and_bad_edits(app, client):
    sign_in_as(app, client, "facilitator")
    token = csrf(client, "/decks/new")
    bad = client.post("/decks/new", data=_card_form(token, title_en="", themes=[]))
    assert bad.status_code == 400
    assert "Give the deck a title" in _text(bad) and "Choose between 1 and 6 themes" in _text(bad)

    data = _card_form(token, title_en="Circle time", description_en="A short deck.",
                      text_en="What did you notice?", perspective="practitioner", themes=["describing", "patience"])
    response = client.post("/decks/new", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/decks/circle-time/")
    assert _stored(app, "circle-time")["languages"] == ["en"]

    response = client.post("/decks/circle-time/cards/new",
                           data=_card_form(token, text_en="Second", text_es="Segunda", themes=["closing"]))
    assert response.status_code == 302
    stored = _stored(app, "circle-time")
    assert stored["languages"] == ["en", "es"] and len(stored["cards"]) == 2 and stored["version"] == 2

    # Spanish only in an English deck: refused in plain words, and nothing changes.
    response = client.post("/decks/circle-time/cards/card-1/edit", data=_card_form(token, text_es="Solo español"))
    assert response.status_code == 400
    assert "This deck's main language is English: write the card's text in English." in _text(response)
    assert _stored(app, "circle-time") == stored

    confirm = client.get("/decks/circle-time/cards/card-2/delete")
    assert "Delete card 2?" in _text(confirm)
    assert client.post("/decks/circle-time/cards/card-2/delete", data={"csrf_token": token}).status_code == 302
    assert [c["id"] for c in _stored(app, "circle-time")["cards"]] == ["card-1"]
    response = client.post("/decks/circle-time/cards/card-1/delete", data={"csrf_token": token},
                           follow_redirects=True)
    assert "at least one card" in _text(response)

    response = client.post("/decks/circle-time/edit",
                           data={"csrf_token": token, "title_en": "Circle", "title_es": "Círculo",
                                 "description_en": "Short.", "description_es": "Breve."})
    assert response.status_code == 302 and _stored(app, "circle-time")["title"] == {"en": "Circle", "es": "Círculo"}

    assert client.post("/decks/circle-time/retire", data={"csrf_token": token}).status_code == 302
    page = _text(client.get("/decks/"))
    assert "Circle" in page.split("Retired decks", 1)[1]
    assert client.post("/decks/circle-time/restore", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert not get_session().get(CustomDeck, "circle-time").retired

    assert client.post("/decks/circle-time/edit", data={"title_en": "No token"}).status_code == 400


def test_import_a_broken_file_shows_every_problem_and_saves_nothing(app, client):
    sign_in_as(app, client, "facilitator")
    token = csrf(client, "/decks/")
    raw = (FIXTURES / "broken_several_problems.toml").read_bytes()
    response = client.post("/decks/import", data={"csrf_token": token, "file": (io.BytesIO(raw), "broken.toml")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = _text(response)
    assert "nothing was saved" in page
    problems = page.split('id="problems"', 1)[1].split("</div>", 1)[0]
    assert problems.count("<li>") >= 5
    for expected in ("version", "astrology", "neighbour", "colour", "Duplicate card id"):
        assert expected in problems
    with app.app_context():
        assert get_session().scalar(select(CustomDeck)) is None

    wrong_type = client.post("/decks/import", data={"csrf_token": token, "file": (io.BytesIO(b"x"), "deck.txt")},
                             content_type="multipart/form-data")
    assert wrong_type.status_code == 400 and "Use a .toml or .json file." in _text(wrong_type)

    builtin = (Path(store.__file__).parent / "decks" / "use-of-self.toml").read_bytes()
    clash = client.post("/decks/import", data={"csrf_token": token, "file": (io.BytesIO(builtin), "mine.toml")},
                        content_type="multipart/form-data")
    assert clash.status_code == 400 and "A built-in deck already uses the id “use-of-self”" in _text(clash)
    with app.app_context():
        assert get_session().scalar(select(CustomDeck)) is None


def test_import_a_good_file_then_again_needs_replace(app, client):
    sign_in_as(app, client, "facilitator")
    token = csrf(client, "/decks/")
    raw = (FIXTURES / "good.json").read_bytes()

    def upload(**extra):
        return client.post("/decks/import", data={"csrf_token": token, "file": (io.BytesIO(raw), "good.json"), **extra},
                           content_type="multipart/form-data")

    response = upload()
    assert response.status_code == 302 and response.headers["Location"].endswith("/decks/sample-deck/")
    again = upload()
    assert again.status_code == 400 and "You already have a deck with the id “sample-deck”" in _text(again)
    assert upload(replace="y").status_code == 302


def test_export_downloads_valid_json_and_toml(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    _make_deck(app, "f@example.org")
    response = client.get("/decks/my-deck/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-deck.json"'
    body = json.loads(response.get_data(as_text=True))
    assert body == {"decks": [_stored(app, "my-deck")]}

    toml = client.get("/decks/my-deck/export.toml")
    assert toml.headers["Content-Disposition"] == 'attachment; filename="my-deck.toml"'
    assert tomllib.loads(toml.get_data(as_text=True)) == _stored(app, "my-deck")

    builtin = client.get("/decks/family-story/export.json")
    assert json.loads(builtin.get_data(as_text=True))["decks"][0] == get_builtin("family-story").to_dict()

    everything = client.get("/decks/export.json")
    assert "attachment" in everything.headers["Content-Disposition"]
    ids = [d["id"] for d in json.loads(everything.get_data(as_text=True))["decks"]]
    assert "family-story" in ids and "my-deck" in ids
