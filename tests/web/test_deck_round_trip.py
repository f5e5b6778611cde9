"""What the deck pages export, they import back: one deck's JSON, and the file of every
deck (whose built-in decks are left as they are)."""
from __future__ import annotations

import io
import json

from reflect.db import get_session
from reflect.models import User
from reflect.prompts import store
from tests.helpers import csrf, sign_in_as
from tests.web.test_decks_http import _make_deck, _stored, _text


def _upload(client, token, body: bytes, name: str, **extra):
    return client.post("/decks/import", data={"csrf_token": token, "file": (io.BytesIO(body), name), **extra},
                       content_type="multipart/form-data")


def test_a_decks_json_export_imports_back_unchanged(app, client):
    user_id = sign_in_as(app, client, "facilitator", "f@example.org")
    _make_deck(app, "f@example.org")
    before = _stored(app, "my-deck")
    exported = client.get("/decks/my-deck/export.json").get_data()
    with app.app_context():
        db = get_session()
        store.retire_deck(db, db.get(User, user_id), "my-deck")
        store.delete_deck(db, db.get(User, user_id), "my-deck")
        db.commit()
    assert _stored(app, "my-deck") is None

    response = _upload(client, csrf(client, "/decks/"), exported, "my-deck.json")
    assert response.status_code == 302 and response.headers["Location"].endswith("/decks/my-deck/")
    assert _stored(app, "my-deck") == before


def test_the_file_of_every_deck_imports_the_own_ones_and_leaves_the_built_in_ones(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    _make_deck(app, "f@example.org")
    _make_deck(app, "f@example.org", deck_id="second-deck")
    everything = client.get("/decks/export.json").get_data()
    bundle = json.loads(everything)
    for deck in bundle["decks"]:
        if deck["id"] == "second-deck":
            deck["title"]["en"] = "Second deck, edited elsewhere"
    response = _upload(client, csrf(client, "/decks/"), json.dumps(bundle).encode(), "reflect-decks.json", replace="y")
    assert response.status_code == 302
    assert _stored(app, "second-deck")["title"]["en"] == "Second deck, edited elsewhere"
    page = _text(client.get("/decks/"))
    assert "built-in decks in the file were left as they are" in page


def test_a_file_of_several_decks_with_one_broken_imports_none(app, client):
    sign_in_as(app, client, "facilitator", "f@example.org")
    _make_deck(app, "f@example.org")
    good = json.loads(client.get("/decks/my-deck/export.json").get_data())["decks"][0]
    fresh = dict(good, id="fresh-deck")
    broken = dict(good, id="broken-deck", cards=[])
    body = json.dumps({"decks": [fresh, broken]}).encode()
    response = _upload(client, csrf(client, "/decks/"), body, "two.json")
    assert response.status_code == 400
    assert "two.json (2)" in _text(response)  # the second deck's problem, named by its place in the file
    assert _stored(app, "fresh-deck") is None
