"""Marshmallow schemas for prompt decks and ``validate_deck_data``.

Problems are reported as human strings naming the source file, the card (by id,
or by position when the id is missing) and the field, all at once.
"""

from __future__ import annotations

from typing import Any, Iterator

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .messages import label, translate
from .model import SUPPORTED_LANGUAGES, Card, Deck, Link
from .themes import PERSPECTIVE_SLUGS, THEME_SLUGS

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SLUG = 64
MAX_TITLE = 120
MAX_DESCRIPTION = 1000
MAX_CARD_TEXT = 600
MAX_LINK_LABEL = 160
MAX_THEMES_PER_CARD = 6
MAX_CARDS = 100
MAX_LINKS = 10


class DeckError(ValueError):
    """A deck failed to load; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Text(fields.String):
    """String with surrounding whitespace removed before validation."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class _StrictInt(fields.Integer):
    """Integer that refuses booleans and strings."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _slug(**kwargs) -> fields.String:
    return fields.String(
        validate=[
            validate.Regexp(
                SLUG_PATTERN,
                error="'{input}' is not a valid id: use lowercase letters, digits "
                "and single hyphens (e.g. 'mp-parent').",
            ),
            validate.Length(max=MAX_SLUG, error="Must be at most {max} characters."),
        ],
        **kwargs,
    )


def _text_length(max_len: int):
    def check(value: str) -> None:
        if not value:
            raise ValidationError("Must not be empty.")
        if len(value) > max_len:
            raise ValidationError(f"Too long: {len(value)} characters (limit {max_len}).")

    return check


def _lang_text(max_len: int, **kwargs) -> fields.Dict:
    """A mapping language code -> non-empty text."""
    return fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(
                SUPPORTED_LANGUAGES,
                error="Unsupported language code '{input}' (supported: {choices}).",
            )
        ),
        values=_Text(validate=_text_length(max_len)),
        **kwargs,
    )


def _no_duplicates(what: str):
    def check(values):
        seen = set()
        dupes = [v for v in values if v in seen or seen.add(v)]
        if dupes:
            raise ValidationError(f"Duplicate {what} '{dupes[0]}'.")

    return check


class LinkSchema(Schema):
    label = _lang_text(MAX_LINK_LABEL, required=True)
    url = fields.Url(
        required=True,
        schemes={"https"},
        error_messages={"invalid": "Must be a full https:// URL."},
    )


class CardSchema(Schema):
    id = _slug(required=True)
    perspective = fields.String(
        required=True,
        validate=validate.OneOf(
            PERSPECTIVE_SLUGS,
            error="Unknown perspective '{input}' (expected one of: {choices}).",
        ),
    )
    themes = fields.List(
        fields.String(
            validate=validate.OneOf(
                THEME_SLUGS,
                error="Unknown theme '{input}' (see reflect/prompts/themes.py).",
            )
        ),
        required=True,
        validate=[
            validate.Length(
                min=1,
                max=MAX_THEMES_PER_CARD,
                error="Give between {min} and {max} themes.",
            ),
            _no_duplicates("theme"),
        ],
    )
    text = _lang_text(MAX_CARD_TEXT, required=True)
    followup = _lang_text(MAX_CARD_TEXT, load_default=None, allow_none=True)


class DeckSchema(Schema):
    id = _slug(required=True)
    version = _StrictInt(
        required=True, validate=validate.Range(min=1, error="Must be 1 or more.")
    )
    languages = fields.List(
        fields.String(
            validate=validate.OneOf(
                SUPPORTED_LANGUAGES,
                error="Unsupported language code '{input}' (supported: {choices}).",
            )
        ),
        required=True,
        validate=[
            validate.Length(min=1, error="List at least one language."),
            _no_duplicates("language"),
        ],
    )
    title = _lang_text(MAX_TITLE, required=True)
    description = _lang_text(MAX_DESCRIPTION, required=True)
    links = fields.List(
        fields.Nested(LinkSchema),
        load_default=list,
        validate=validate.Length(max=MAX_LINKS, error="At most {max} links."),
    )
    cards = fields.List(
        fields.Nested(CardSchema),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_CARDS, error="A deck needs between {min} and {max} cards."
        ),
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _cross_checks(self, data, original_data, **kwargs):
        """Primary-language text everywhere, declared languages, unique card ids."""
        if not isinstance(original_data, dict):
            return
        errors: dict[Any, Any] = {}

        def add(path: tuple, message: str) -> None:
            node = errors
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node.setdefault(path[-1], []).append(message)

        langs = original_data.get("languages")
        ok_langs = isinstance(langs, list) and langs and all(isinstance(x, str) for x in langs)
        primary = langs[0] if ok_langs else None
        declared = set(langs) if ok_langs else set()

        def check_text(mapping: Any, path: tuple) -> None:
            if not isinstance(mapping, dict) or primary is None:
                return
            if primary not in mapping:
                add(path + (primary,), f"Missing the text in the deck's main language ('{primary}'), the first of its languages.")
            for key in mapping:
                if key in SUPPORTED_LANGUAGES and key not in declared:
                    add(path + (key,), f"Language '{key}' is not listed in the deck's languages.")

        check_text(original_data.get("title"), ("title",))
        check_text(original_data.get("description"), ("description",))
        links = original_data.get("links")
        for i, link in enumerate(links if isinstance(links, list) else []):
            if isinstance(link, dict):
                check_text(link.get("label"), ("links", i, "label"))

        cards = original_data.get("cards")
        first_seen: dict[str, int] = {}
        for i, card in enumerate(cards if isinstance(cards, list) else []):
            if not isinstance(card, dict):
                continue
            check_text(card.get("text"), ("cards", i, "text"))
            if card.get("followup") is not None:
                check_text(card.get("followup"), ("cards", i, "followup"))
            card_id = card.get("id")
            if isinstance(card_id, str):
                if card_id in first_seen:
                    add(
                        ("cards", i, "id"),
                        f"Duplicate card id '{card_id}' (first used by card {first_seen[card_id] + 1}).",
                    )
                else:
                    first_seen[card_id] = i
        if errors:
            raise ValidationError(errors)


_SCHEMA = DeckSchema()


def _flatten(messages: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, path + (key,))
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            yield from _flatten(value, path)
    else:
        yield path, str(messages)


def _item_label(kind: str, items: Any, index: int) -> str:
    """"card 'mp-child'" by id; "card 3" when the id is missing; both if repeated."""
    items = items if isinstance(items, list) else []
    item = items[index] if index < len(items) else None
    item_id = item.get("id") if isinstance(item, dict) else None
    if kind == "card" and isinstance(item_id, str) and item_id.strip():
        same = sum(1 for x in items if isinstance(x, dict) and x.get("id") == item_id)
        if same > 1:
            return label("card_repeated", n=index + 1, id=item_id)
        return label("card_id", id=item_id)
    return label(kind, n=index + 1)


def _describe(path: tuple, data: Any) -> str:
    """Turn an error path into 'card 'x': text.en' style wording."""
    parts = [p for p in path if p != "_schema"]
    # Dict key/value errors end in "key"/"value" after the dict key itself.
    if len(parts) >= 3 and parts[-1] in ("key", "value") and not isinstance(parts[-2], int):
        parts = parts[:-1]
    prefix = ""
    if len(parts) >= 2 and parts[0] in ("cards", "links") and isinstance(parts[1], int):
        kind = parts[0][:-1]
        items = data.get(parts[0]) if isinstance(data, dict) else None
        prefix = _item_label(kind, items, parts[1])
        parts = parts[2:]
    field = ""
    for part in parts:
        if isinstance(part, int):
            field += label("item", n=part + 1)
        else:
            field += ("." if field else "") + str(part)
    return ": ".join(p for p in (prefix, field) if p)


def _sort_key(path: tuple) -> tuple:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def problems_from_messages(messages: Any, data: Any, source: str) -> list[str]:
    """Human problem strings from marshmallow error messages."""
    flat = sorted(_flatten(messages), key=lambda item: (
        item[0][:1] == ("cards",), _sort_key(item[0])))
    problems = []
    for path, message in flat:
        message = translate(message)
        where = _describe(path, data)
        problems.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")
    return problems


def validate_deck_data(data: Any, source: str, builtin: bool = False) -> Deck:
    """Validate a decoded deck (dict) and build a ``Deck``; raises ``DeckError``."""
    if not isinstance(data, dict):
        raise DeckError([f"{source}: " + translate(
            "expected one deck: a table/object with id, version, languages, title, description and cards.")])
    try:
        loaded = _SCHEMA.load(data)
    except ValidationError as err:
        raise DeckError(problems_from_messages(err.messages, data, source)) from None
    return Deck(
        id=loaded["id"],
        version=loaded["version"],
        languages=tuple(loaded["languages"]),
        title=dict(loaded["title"]),
        description=dict(loaded["description"]),
        links=tuple(Link(label=dict(x["label"]), url=x["url"]) for x in loaded["links"]),
        cards=tuple(
            Card(
                id=c["id"],
                text=dict(c["text"]),
                followup=dict(c["followup"]) if c.get("followup") else None,
                perspective=c["perspective"],
                themes=tuple(c["themes"]),
            )
            for c in loaded["cards"]
        ),
        builtin=builtin,
    )
