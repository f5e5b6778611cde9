"""A session keeps each card's text as it was shown: editing the deck later changes nothing."""
from reflect.db import get_session
from reflect.models import User
from reflect.prompts import card_edits, store
from reflect.rooms import groups, lifecycle, summary
from tests.helpers import make_user


def test_a_past_sessions_card_text_survives_an_edit_of_its_deck(app):
    uid = make_user(app, "facilitator", "f@example.org")
    with app.app_context():
        db = get_session()
        user = db.get(User, uid)
        deck = store.duplicate_deck(db, user, "multiple-perspectives")
        first = deck.cards[0]
        group = groups.create_group(db, user, "Group")
        session = lifecycle.create_session(db, user, group, deck)
        lifecycle.set_phase(db, session, "reflect")
        lifecycle.end_session(db, session)
        db.commit()
        before = summary.build(db, session, "en")["cards"][0]["text"]
        assert before == first.text["en"]

        edited = {"text": {"en": "A completely different question?", "es": "¿Una pregunta muy distinta?"},
                  "perspective": first.perspective, "themes": list(first.themes)}
        new_deck = card_edits.edit_card(db, user, deck.id, first.id, edited)
        db.commit()
        assert new_deck.cards[0].text["en"] == "A completely different question?"
        assert new_deck.version == deck.version + 1

        db.expire_all()
        after = summary.build(db, session, "en")["cards"][0]
        assert after["text"] == before
        assert session.cards[0].deck_version == deck.version
