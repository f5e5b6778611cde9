"""The deck checker's problem messages in the reader's language.

The schema and loader speak English (the command line's language); a problem line is
put into the reader's language where it is built, by matching its message against the
English templates below and rendering the translated template with the same values.
"""
from __future__ import annotations

import re

from flask_babel import gettext


def N_(text: str) -> str:  # marks a template for extraction; translated when used
    return text


TEMPLATES = [
    # marshmallow's own messages
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid mapping type."),
    N_("Not a valid list."),
    N_("Not a valid boolean."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid value."),
    # the deck schema's
    N_("'{input}' is not a valid id: use lowercase letters, digits and single hyphens (e.g. 'mp-parent')."),
    N_("Must be at most {max} characters."),
    N_("Must not be empty."),
    N_("Too long: {n} characters (limit {limit})."),
    N_("Unsupported language code '{input}' (supported: {choices})."),
    N_("Duplicate theme '{value}'."),
    N_("Duplicate language '{value}'."),
    N_("Must be a full https:// URL."),
    N_("Unknown perspective '{input}' (expected one of: {choices})."),
    N_("Unknown theme '{input}' (see reflect/prompts/themes.py)."),
    N_("Give between {min} and {max} themes."),
    N_("Must be 1 or more."),
    N_("List at least one language."),
    N_("At most {max} links."),
    N_("A deck needs between {min} and {max} cards."),
    N_("Missing the text in the deck's main language ('{lang}'), the first of its languages."),
    N_("Language '{key}' is not listed in the deck's languages."),
    N_("Duplicate card id '{id}' (first used by card {n})."),
    N_("expected one deck: a table/object with id, version, languages, title, description and cards."),
    # the loader's
    N_("unsupported file type (use .toml or .json)."),
    N_("not valid UTF-8 text (byte {byte})."),
    N_("line {line}, column {column}: TOML syntax error: {detail}"),
    N_("TOML syntax error: {detail}"),
    N_("line {line}, column {column}: JSON syntax error: {detail}"),
    N_("the text holds an invalid \\u escape (a lone surrogate)."),
    N_("file is too large (limit {limit} KB)."),
    N_("cannot read file ({detail})."),
    N_("the file holds no deck."),
    N_("Duplicate deck id '{id}'."),
    # the limits on a file's shape (limits.py)
    N_("nested too deeply (limit {limit} levels)."),
    N_("a number is too long (limit {limit} digits)."),
    N_("a text is too long ({n} characters, limit {limit})."),
    N_("a table holds too many entries ({n}, limit {limit})."),
    N_("a list holds too many entries ({n}, limit {limit})."),
    N_("too many decks in one file ({n}, limit {limit})."),
]

# where in the deck: "card 'mp-child'", "card 2 ('x')", "card 3", "link 1", " (item 2)"
LABELS = {
    "card_id": N_("card '{id}'"),
    "card_repeated": N_("card {n} ('{id}')"),
    "card": N_("card {n}"),
    "link": N_("link {n}"),
    "item": N_(" (item {n})"),
}


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex)


_COMPILED = [(template, _pattern(template)) for template in TEMPLATES]


def label(kind: str, **values) -> str:
    return gettext(LABELS[kind]).format(**values)


def translate(message: str) -> str:
    """``message`` in the reader's language when it matches a known template."""
    for template, pattern in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            return gettext(template).format(**match.groupdict())
    return message


def translate_problem(problem: str) -> str:
    """A loader problem "<source>: <message>" with its message translated."""
    source, sep, message = problem.partition(": ")
    return f"{source}{sep}{translate(message)}" if sep else translate(problem)
