"""Deck editor forms. Every label is wrapped for translation.

The forms check what a form can check (lengths, a perspective and themes from the
vocabulary); the deck schema in :mod:`reflect.prompts.schema` has the last word.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, Field, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from reflect.prompts.schema import MAX_CARD_TEXT, MAX_DESCRIPTION, MAX_THEMES_PER_CARD, MAX_TITLE
from reflect.prompts.themes import PERSPECTIVE_SLUGS, PERSPECTIVES, THEME_SLUGS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def lang_map(en: str | None, es: str | None) -> dict[str, str]:
    """{"en": ..., "es": ...} without the blank ones."""
    return {lang: text.strip() for lang, text in (("en", en), ("es", es)) if text and text.strip()}


class _Text:
    """Field factories with the same limits as the deck schema."""

    # No Optional(): it would stop the "at least one language" checks below.
    @staticmethod
    def line(label, max_len):
        return StringField(label, filters=[_strip], validators=[Length(max=max_len)])

    @staticmethod
    def area(label, max_len):
        return TextAreaField(label, filters=[_strip], validators=[Length(max=max_len)])


class DeckDetailsForm(FlaskForm):
    title_en = _Text.line(_l("Title (English)"), MAX_TITLE)
    title_es = _Text.line(_l("Title (Spanish)"), MAX_TITLE)
    description_en = _Text.area(_l("Description (English)"), MAX_DESCRIPTION)
    description_es = _Text.area(_l("Description (Spanish)"), MAX_DESCRIPTION)

    def validate_title_en(self, field):
        if not (self.title_en.data or self.title_es.data):
            raise ValidationError(_l("Give the deck a title in English, in Spanish or in both."))

    def validate_description_en(self, field):
        if not (self.description_en.data or self.description_es.data):
            raise ValidationError(_l("Describe the deck in English, in Spanish or in both."))

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


class CardFieldsMixin:
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
        if not (self.text_en.data or self.text_es.data):
            raise ValidationError(_l("Write the card's text in English, in Spanish or in both."))

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
    """A new deck with its first card (a deck always has at least one)."""


class ImportForm(FlaskForm):
    file = FileField(
        _l("Deck file (.toml or .json)"),
        validators=[
            FileRequired(_l("Choose a file to import.")),
            FileAllowed(["toml", "json"], _l("Use a .toml or .json file.")),
        ],
    )
    replace = BooleanField(_l("Replace my deck with the same id"))
