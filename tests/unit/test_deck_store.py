"""The deck catalogue (reflect.prompts.store) on SQLite and PostgreSQL: built-in decks
read-only, custom decks versioned on every change, validated edits, import/export."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select

from reflect.auth import accounts
from reflect.models import AuditEvent, CustomDeck
from reflect.prompts import DeckError, builtin_decks, get_builtin, load_deck_bytes
from reflect.prompts import card_edits, store, toml_writer
from reflect.prompts.store import DeckStoreError

FIXTURES = Path(__file__).parent / "fixtures" / "decks"


def _user(db, role="facilitator", email=None):
    user = accounts.create_user(db, email=email or f"{role}@example.org", role=role, password="long enough password")
    db.flush()
    return user


def _deck_data(deck_id="my-deck", **extra):
    data = {
        "id": deck_id,
        "version": 7,  # ignored: a new deck starts at 1
        "languages": ["en", "es"],
        "title": {"en": "My deck", "es": "Mi mazo"},
        "description": {"en": "For tests.", "es": "Para pruebas."},
        "cards": [
            {"id": "a", "text": {"en": "Card A", "es": "Carta A"}, "perspective": "parent",
             "themes": ["describing"]},
            {"id": "b", "text": {"en": "Card B"}, "perspective": "child", "themes": ["exploring"]},
            {"id": "c", "text": {"en": "Card C"}, "perspective": "group", "themes": ["linking"]},
        ],
    }
    data.update(extra)
    return data


def _stored(db, deck_id):
    db.expire_all()
    row = db.get(CustomDeck, deck_id)
    return None if row is None else dict(row.data)


def _actions(db):
    return [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_create_starts_at_version_one_and_get_deck_resolves_it(db):
    fac = _user(db)
    deck = store.create_deck(db, fac, _deck_data())
    db.commit()
    assert deck.version == 1 and not deck.builtin
    again = store.get_deck(db, "my-deck")
    assert again.to_dict() == deck.to_dict() and again.builtin is False
    assert store.get_deck(db, "multiple-perspectives").builtin is True
    assert store.get_deck(db, "nope") is None
    assert "deck_created" in _actions(db)


def test_create_makes_an_id_from_the_title_and_refuses_builtin_ids(db):
    fac = _user(db)
    data = _deck_data()
    del data["id"]
    data["title"] = {"en": "Mi Área: Niños & Familias"}
    data["languages"] = []
    deck = store.create_deck(db, fac, data)
    assert deck.id == "mi-area-ninos-familias"
    assert deck.languages == ("en", "es")  # Spanish card text adds Spanish
    with pytest.raises(DeckStoreError) as err:
        store.create_deck(db, fac, _deck_data("family-story"))
    assert err.value.code == "id_builtin"
    with pytest.raises(DeckStoreError) as err:
        store.create_deck(db, _user(db, email="other@example.org"), _deck_data("mi-area-ninos-familias"))
    assert err.value.code == "id_taken"
    # a generated id never collides with a built-in one
    data = _deck_data()
    del data["id"]
    data["title"] = {"en": "Family story"}
    assert store.create_deck(db, fac, data).id == "family-story-2"


def test_every_change_bumps_the_version_by_one_and_a_no_op_keeps_it(db):
    fac = _user(db)
    store.create_deck(db, fac, _deck_data())
    deck = store.update_deck(db, fac, "my-deck", {"title": {"en": "Renamed", "es": "Renombrado"}})
    assert deck.version == 2 and deck.title["en"] == "Renamed"
    deck = card_edits.edit_card(db, fac, "my-deck", "b", {"text": {"en": "Card B", "es": "Carta B"},
                                                      "perspective": "child", "themes": ["exploring"]})
    assert deck.version == 3 and deck.card("b").text["es"] == "Carta B"
    deck = card_edits.add_card(db, fac, "my-deck", {"text": {"en": "New"}, "perspective": "group", "themes": ["closing"]})
    assert deck.version == 4 and deck.cards[-1].id == "card-4"
    deck = card_edits.delete_card(db, fac, "my-deck", "card-4")
    assert deck.version == 5 and [c.id for c in deck.cards] == ["a", "b", "c"]
    same = store.update_deck(db, fac, "my-deck", {"title": {"en": "Renamed", "es": "Renombrado"}})
    assert same.version == 5
    db.commit()
    assert _stored(db, "my-deck")["version"] == 5


def test_reorder_moves_cards_up_and_down_and_stops_at_the_ends(db):
    fac = _user(db)
    store.create_deck(db, fac, _deck_data())
    deck = card_edits.move_card_up(db, fac, "my-deck", "c")
    assert [c.id for c in deck.cards] == ["a", "c", "b"] and deck.version == 2
    deck = card_edits.move_card_down(db, fac, "my-deck", "a")
    assert [c.id for c in deck.cards] == ["c", "a", "b"] and deck.version == 3
    deck = card_edits.move_card_up(db, fac, "my-deck", "c")  # already first: nothing changes
    assert [c.id for c in deck.cards] == ["c", "a", "b"] and deck.version == 3
    deck = card_edits.reorder_cards(db, fac, "my-deck", ["a", "b", "c"])
    assert [c.id for c in deck.cards] == ["a", "b", "c"] and deck.version == 4
    with pytest.raises(DeckStoreError) as err:
        card_edits.reorder_cards(db, fac, "my-deck", ["a", "b"])
    assert err.value.code == "bad_order"
    db.commit()
    assert [c["id"] for c in _stored(db, "my-deck")["cards"]] == ["a", "b", "c"]


def test_a_bad_edit_changes_nothing_and_names_every_problem(db):
    fac = _user(db)
    store.create_deck(db, fac, _deck_data())
    db.commit()
    before = _stored(db, "my-deck")
    with pytest.raises(DeckError) as err:
        card_edits.edit_card(db, fac, "my-deck", "a", {"text": {"es": "Solo español"}, "perspective": "neighbour",
                                                   "themes": ["astrology"]})
    text = "\n".join(err.value.problems)
    assert "text.en" in text and "perspective" in text and "astrology" in text
    with pytest.raises(DeckError):
        store.update_deck(db, fac, "my-deck", {"title": {"en": "x" * 500}})
    with pytest.raises(DeckStoreError) as store_err:
        card_edits.delete_card(db, fac, "my-deck", "zzz")
    assert store_err.value.code == "card_not_found"
    db.commit()
    assert _stored(db, "my-deck") == before


def test_the_last_card_cannot_be_deleted(db):
    fac = _user(db)
    store.create_deck(db, fac, _deck_data(cards=_deck_data()["cards"][:1]))
    with pytest.raises(DeckStoreError) as err:
        card_edits.delete_card(db, fac, "my-deck", "a")
    assert err.value.code == "last_card"


def test_builtin_decks_are_read_only(db):
    admin = _user(db, "admin")
    for change in (
        lambda: store.update_deck(db, admin, "family-story", {"title": {"en": "Hacked"}}),
        lambda: card_edits.add_card(db, admin, "family-story", {"text": {"en": "x"}, "perspective": "group",
                                                           "themes": ["closing"]}),
        lambda: card_edits.move_card_up(db, admin, "family-story", get_builtin("family-story").cards[1].id),
        lambda: store.retire_deck(db, admin, "family-story"),
    ):
        with pytest.raises(DeckStoreError) as err:
            change()
        assert err.value.code == "builtin_read_only"
    assert db.scalar(select(CustomDeck)) is None
    assert get_builtin("family-story").title["en"] != "Hacked"


def test_only_the_owner_or_an_admin_may_change_a_deck(db):
    owner = _user(db)
    other = _user(db, email="other@example.org")
    admin = _user(db, "admin")
    store.create_deck(db, owner, _deck_data())
    with pytest.raises(DeckStoreError) as err:
        store.update_deck(db, other, "my-deck", {"title": {"en": "Mine now"}})
    assert err.value.code == "not_found"
    assert store.get_entry(db, other, "my-deck") is None
    assert store.update_deck(db, admin, "my-deck", {"title": {"en": "Fixed by admin"}}).version == 2


def test_duplicating_a_builtin_gives_a_new_editable_copy_with_unique_ids(db):
    fac = _user(db)
    source = get_builtin("multiple-perspectives")
    first = store.duplicate_deck(db, fac, "multiple-perspectives")
    second = store.duplicate_deck(db, fac, "multiple-perspectives")
    assert (first.id, second.id) == ("multiple-perspectives-copy", "multiple-perspectives-copy-2")
    assert first.title == {"en": source.title["en"] + " (copy)", "es": source.title["es"] + " (copia)"}
    assert [c.to_dict() for c in first.cards] == [c.to_dict() for c in source.cards]
    assert first.version == 1 and not first.builtin
    entry = store.get_entry(db, fac, first.id)
    assert entry.editable and entry.owner_id == fac.id
    edited = card_edits.edit_card(db, fac, first.id, source.cards[0].id,
                             dict(source.cards[0].to_dict(), text={"en": "Changed", "es": "Cambiado"}))
    assert edited.cards[0].text["es"] == "Cambiado"
    assert get_builtin("multiple-perspectives").cards[0].text == source.cards[0].text


def test_who_sees_which_decks_and_retired_ones(db):
    fac = _user(db)
    other = _user(db, email="other@example.org")
    admin = _user(db, "admin")
    store.create_deck(db, fac, _deck_data("fac-deck"))
    store.create_deck(db, other, _deck_data("other-deck"))
    store.create_deck(db, None, _deck_data("cli-deck"))
    builtin_ids = [d.id for d in builtin_decks()]

    def ids(user, **kw):
        return [e.id for e in store.list_decks(db, user, **kw)]

    assert ids(fac) == builtin_ids + ["fac-deck"]
    assert set(ids(admin)) == set(builtin_ids) | {"fac-deck", "other-deck", "cli-deck"}
    assert all(e.editable for e in store.list_decks(db, admin) if not e.builtin)
    assert not any(e.editable for e in store.list_decks(db, admin) if e.builtin)

    store.retire_deck(db, fac, "fac-deck")
    assert "fac-deck" not in ids(fac)
    assert "fac-deck" in ids(fac, include_retired=True)
    assert next(e for e in store.list_decks(db, fac, include_retired=True) if e.id == "fac-deck").retired
    assert "fac-deck" not in [d.id for d in store.usable_decks(db, fac)]
    assert store.usable_deck(db, fac, "fac-deck") is None
    assert store.get_deck(db, "fac-deck").id == "fac-deck"  # past sessions still resolve it
    store.restore_deck(db, fac, "fac-deck")
    assert [d.id for d in store.usable_decks(db, fac)] == builtin_ids + ["fac-deck"]
    assert store.usable_deck(db, other, "fac-deck") is None
    assert "deck_retired" in _actions(db) and "deck_restored" in _actions(db)


def test_delete_needs_a_retired_deck(db):
    fac = _user(db)
    store.create_deck(db, fac, _deck_data())
    with pytest.raises(DeckStoreError) as err:
        store.delete_deck(db, fac, "my-deck")
    assert err.value.code == "retire_first"
    store.retire_deck(db, fac, "my-deck")
    store.delete_deck(db, fac, "my-deck")
    db.commit()
    assert store.get_deck(db, "my-deck") is None
    assert "deck_deleted" in _actions(db)


def test_import_a_bad_file_lists_every_problem_and_saves_nothing(db):
    fac = _user(db)
    raw = (FIXTURES / "broken_several_problems.toml").read_bytes()
    with pytest.raises(DeckError) as err:
        store.import_deck(db, fac, raw, "broken.toml")
    problems = err.value.problems
    assert len(problems) >= 5
    text = "\n".join(problems)
    for expected in ("version", "astrology", "neighbour", "colour", "Duplicate card id"):
        assert expected in text
    db.commit()
    assert db.scalar(select(CustomDeck)) is None
    with pytest.raises(DeckError) as err:
        store.import_deck(db, fac, b"{not json", "deck.json")
    assert "JSON syntax error" in err.value.problems[0]
    with pytest.raises(DeckError):
        store.import_deck(db, fac, b"id = 1", "deck.txt")
    assert db.scalar(select(CustomDeck)) is None


def test_import_id_collisions(db):
    fac = _user(db)
    other = _user(db, email="other@example.org")
    builtin = json.dumps(get_builtin("use-of-self").to_dict()).encode()
    with pytest.raises(DeckStoreError) as err:
        store.import_deck(db, fac, builtin, "use-of-self.json")
    assert err.value.code == "id_builtin" and err.value.deck_id == "use-of-self"

    raw = (FIXTURES / "good.json").read_bytes()
    deck = store.import_deck(db, fac, raw, "good.json")
    assert deck.id == "sample-deck" and deck.version == 2
    with pytest.raises(DeckStoreError) as err:
        store.import_deck(db, other, raw, "good.json")
    assert err.value.code == "id_taken"
    with pytest.raises(DeckStoreError) as err:
        store.import_deck(db, fac, raw, "good.json")
    assert err.value.code == "already_exists"

    changed = json.loads(raw)
    changed["title"]["en"] = "Sample deck, revised"
    replaced = store.import_deck(db, fac, json.dumps(changed).encode(), "good.json", replace=True)
    assert replaced.title["en"] == "Sample deck, revised" and replaced.version == 3
    db.commit()
    assert _stored(db, "sample-deck")["title"]["en"] == "Sample deck, revised"
    assert "deck_imported" in _actions(db)


def test_export_then_import_gives_back_the_same_deck(db):
    fac = _user(db)
    original = store.import_deck(db, fac, (FIXTURES / "good.toml").read_bytes(), "good.toml")
    card_edits.move_card_down(db, fac, original.id, original.cards[0].id)
    db.commit()
    exported = store.export_decks(db, [original.id], actor=fac)
    assert list(exported) == ["decks"] and len(exported["decks"]) == 1
    before = store.get_deck(db, original.id).to_dict()
    assert exported["decks"][0] == before

    store.retire_deck(db, fac, original.id)
    store.delete_deck(db, fac, original.id)
    db.commit()
    again = store.import_deck(db, fac, json.dumps(exported["decks"][0]).encode(), "deck.json")
    assert again.to_dict() == before

    as_toml = toml_writer.deck_to_toml(again)
    assert tomllib.loads(as_toml) == before
    assert load_deck_bytes(as_toml.encode(), "deck.toml").to_dict() == before
    assert "decks_exported" in _actions(db)


def test_export_everything_and_toml_for_every_builtin(db):
    fac = _user(db)
    store.create_deck(db, fac, _deck_data())
    everything = store.export_decks(db)
    assert [d["id"] for d in everything["decks"]] == [d.id for d in builtin_decks()] + ["my-deck"]
    for deck in builtin_decks():
        assert load_deck_bytes(toml_writer.deck_to_toml(deck).encode(), f"{deck.id}.toml").to_dict() == deck.to_dict()
    with pytest.raises(DeckStoreError) as err:
        store.export_decks(db, ["my-deck"], actor=_user(db, email="other@example.org"))
    assert err.value.code == "not_found"


def test_toml_export_escapes_awkward_text(db):
    fac = _user(db)
    awkward = 'Quotes " and \\ backslash,\nnew line, tab\t, DEL \x7f, emoji 🌱, «ñ»'
    data = _deck_data(description={"en": awkward, "es": "ok"})
    deck = store.create_deck(db, fac, data)
    assert tomllib.loads(toml_writer.deck_to_toml(deck))["description"]["en"] == awkward.strip()
