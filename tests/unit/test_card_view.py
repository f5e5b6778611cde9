"""Each part of a card says the language it is shown in, so that a screen reader reads a
part not translated yet in its own language."""
from reflect.rooms.lifecycle import CardFace
from reflect.rooms.state import card_view


def _card(followup):
    return CardFace(id=1, position=0, languages=("en", "es"), text={"en": "What is it like?", "es": "¿Cómo es?"},
                    followup=followup, perspective="parent")


def test_a_follow_up_not_translated_yet_carries_its_own_language(app):
    with app.test_request_context():
        view = card_view(_card({"en": "And for you?"}), "es", 5)
    assert (view["text"], view["lang"], view["fallback"]) == ("¿Cómo es?", "es", False)
    assert (view["followup"], view["followup_lang"]) == ("And for you?", "en")


def test_a_translated_follow_up_is_in_the_cards_language(app):
    with app.test_request_context():
        view = card_view(_card({"en": "And for you?", "es": "¿Y para ti?"}), "es", 5)
    assert (view["followup"], view["followup_lang"]) == ("¿Y para ti?", "es")
