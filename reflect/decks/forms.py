"""Deck editor forms. Every label is wrapped for translation.

The forms check what a form can check (lengths, a perspective and themes from the
vocabulary); the deck schema in :mod:`reflect.prompts.schema` has the last word.
"""
from __future__ import annotations

from flask import has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, Field, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from reflect.db import get_session
from reflect.prompts import store
from reflect.prompts.model import SUPPORTED_LANGUAGES
from reflect.prompts.schema import MAX_CARD_TEXT, MAX_DESCRIPTION, MAX_THEMES_PER_CARD, MAX_TITLE
from reflect.prompts.themes import PERSPECTIVE_SLUGS, PERSPECTIVES, THEME_SLUGS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def lang_map(en: str | None, es: str | None) -> dict[str, str]:
    """{"en": ..., "es": ...} without the blank ones."""
    return {lang: text.strip() for lang, text in (("en", en), ("es", es)) if text and text.strip()}


# A deck's first language is its main one: every text of the deck needs it (the deck
# schema's rule); the other language is optional. Whole sentences per language, so that
# each reads naturally once translated.
MAIN_LANGUAGE_MESSAGES = {
    "title": {
        "en": _l("This deck's main language is English: give the title in English."),
        "es": _l("This deck's main language is Spanish: give the title in Spanish."),
    },
    "description": {
        "en": _l("This deck's main language is English: describe the deck in English."),
        "es": _l("This deck's main language is Spanish: describe the deck in Spanish."),
    },
    "text": {
        "en": _l("This deck's main language is English: write the card's text in English."),
        "es": _l("This deck's main language is Spanish: write the card's text in Spanish."),
    },
    "followup": {
        "en": _l("This deck's main language is English: write the follow-up question in English as well, "
                 "or leave it out."),
        "es": _l("This deck's main language is Spanish: write the follow-up question in Spanish as well, "
                 "or leave it out."),
    },
}


def edited_deck_language() -> str | None:
    """The main (first) language of the deck this request edits (the page's ``deck_id``);
    None where no deck exists yet, or the deck is not this person's (the view says 404)."""
    deck_id = (request.view_args or {}).get("deck_id") if has_request_context() else None
    if not isinstance(deck_id, str):
        return None
    entry = store.get_entry(get_session(), current_user, deck_id)  # the view's read: no new query
    return entry.deck.languages[0] if entry is not None and entry.deck.languages else None


class _MainLanguage:
    """Checks that a text given in any language is given in the deck's main language."""

    def main_language(self) -> str | None:
        if not hasattr(self, "_main_language"):
            self._main_language = edited_deck_language()
        return self._main_language

    def _check_main(self, name: str, lang: str, either: str | None) -> None:
        """Raise on ``<name>_<lang>`` when ``lang`` is the main language and its text is
        missing; ``either`` is the message when no language has text (None: optional)."""
        given = {code: getattr(self, f"{name}_{code}").data for code in SUPPORTED_LANGUAGES}
        main = self.main_language()
        if not any(given.values()):
            if either is not None and lang == (main or SUPPORTED_LANGUAGES[0]):
                raise ValidationError(MAIN_LANGUAGE_MESSAGES[name][main] if main else either)
            return
        if main == lang and not given[lang]:
            raise ValidationError(MAIN_LANGUAGE_MESSAGES[name][lang])


class _Text:
    """Field factories with the same limits as the deck schema."""

    # No Optional(): it would stop the "at least one language" checks below.
    @staticmethod
    def line(label, max_len):
        return StringField(label, filters=[_strip], validators=[Length(max=max_len)])

    @staticmethod
    def area(label, max_len):
        return TextAreaField(label, filters=[_strip], validators=[Length(max=max_len)])


class DeckDetailsForm(_MainLanguage, FlaskForm):
    title_en = _Text.line(_l("Title (English)"), MAX_TITLE)
    title_es = _Text.line(_l("Title (Spanish)"), MAX_TITLE)
    description_en = _Text.area(_l("Description (English)"), MAX_DESCRIPTION)
    description_es = _Text.area(_l("Description (Spanish)"), MAX_DESCRIPTION)

    def validate_title_en(self, field):
        self._check_main("title", "en", _l("Give the deck a title in English, in Spanish or in both."))

    def validate_title_es(self, field):
        self._check_main("title", "es", _l("Give the deck a title in English, in Spanish or in both."))

    def validate_description_en(self, field):
        self._check_main("description", "en", _l("Describe the deck in English, in Spanish or in both."))

    def validate_description_es(self, field):
        self._check_main("description", "es", _l("Describe the deck in English, in Spanish or in both."))

    def deck_data(self) -> dict:
        return {
            "title": lang_map(self.title_en.data, self.title_es.data),
            "description": lang_map(self.description_en.data, self.description_es.data),
        }

    def fill_from(self, deck) -> None:
        self.title_en.data = deck.title.get("en", "")
        self.title_es.data = deck.title.get("es", "")
        self.description_en.data = deck.description.get("en", "")
        self.description_es.data = deck.description.get("es", "")


def perspective_choices() -> list[tuple[str, str]]:
    """(slug, label in the viewer's language), for the hand-rendered <select>."""
    locale = str(get_locale() or "en")
    return [(p.slug, p.label(locale)) for p in PERSPECTIVES]


class ValuesField(Field):
    """Every submitted value of a repeated input (checkboxes), as a list.

    Rendered by hand in the templates; plain fields avoid WTForms' changing
    ``choices`` API."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, default=list, **kwargs)

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v]


class ChoiceField(StringField):
    """One value from a fixed list, rendered by hand as a <select>."""


class CardFieldsMixin(_MainLanguage):
    text_en = _Text.area(_l("Card text (English)"), MAX_CARD_TEXT)
    text_es = _Text.area(_l("Card text (Spanish)"), MAX_CARD_TEXT)
    followup_en = _Text.area(_l("Follow-up question (English, optional)"), MAX_CARD_TEXT)
    followup_es = _Text.area(_l("Follow-up question (Spanish, optional)"), MAX_CARD_TEXT)
    perspective = ChoiceField(
        _l("Perspective"),
        validators=[DataRequired(), AnyOf(PERSPECTIVE_SLUGS, message=_l("Choose a perspective from the list."))],
    )
    # Rendered as checkboxes grouped by theme group (see decks/_macros.html).
    themes = ValuesField(_l("Themes"))

    def validate_text_en(self, field):
        self._check_main("text", "en", _l("Write the card's text in English, in Spanish or in both."))

    def validate_text_es(self, field):
        self._check_main("text", "es", _l("Write the card's text in English, in Spanish or in both."))

    def validate_followup_en(self, field):
        self._check_main("followup", "en", None)

    def validate_followup_es(self, field):
        self._check_main("followup", "es", None)

    def validate_themes(self, field):
        if any(slug not in THEME_SLUGS for slug in field.data or []):
            raise ValidationError(_l("Choose themes from the list."))
        if not field.data or len(field.data) > MAX_THEMES_PER_CARD:
            raise ValidationError(
                _l("Choose between 1 and %(n)d themes.", n=MAX_THEMES_PER_CARD)
            )

    def card_data(self) -> dict:
        return {
            "text": lang_map(self.text_en.data, self.text_es.data),
            "followup": lang_map(self.followup_en.data, self.followup_es.data) or None,
            "perspective": self.perspective.data,
            "themes": list(self.themes.data or []),
        }

    def fill_from_card(self, card) -> None:
        self.text_en.data = card.text.get("en", "")
        self.text_es.data = card.text.get("es", "")
        self.followup_en.data = (card.followup or {}).get("en", "")
        self.followup_es.data = (card.followup or {}).get("es", "")
        self.perspective.data = card.perspective
        self.themes.data = list(card.themes)


class CardForm(CardFieldsMixin, FlaskForm):
    pass


class NewDeckForm(DeckDetailsForm, CardFieldsMixin):
    """A new deck with its first card (a deck always has at least one).

    Its main language is its title's (English when it has an English title), as the
    deck store decides; with no title yet there is none to check against."""

    def main_language(self) -> str | None:
        return next((lang for lang in SUPPORTED_LANGUAGES if getattr(self, f"title_{lang}").data), None)


class ImportForm(FlaskForm):
    file = FileField(
        _l("Deck file (.toml or .json)"),
        validators=[
            FileRequired(_l("Choose a file to import.")),
            FileAllowed(["toml", "json"], _l("Use a .toml or .json file.")),
        ],
    )
    replace = BooleanField(_l("Replace my deck with the same id"))
