"""Limits on a deck file's shape, checked before its parser or the schema goes deep.

A parser and a schema walk nested data by recursion, and Python's ``int`` refuses to
read more than 4,300 digits: a file nested thousands deep, or holding one enormous
number, would fail with an exception rather than a problem the reader can act on.
``check_text`` looks at the text itself (no parser): how deep its brackets nest and
how long its numbers run, outside strings and comments. ``check_data`` walks what was
parsed without recursion: its depth (TOML's dotted keys nest without brackets), the
size of every number, string and list, and the number of cards and decks.

Each problem is a line in the loader's style, "<source>: <message>", its message one of
``messages.TEMPLATES`` (put into the reader's language there).
"""
from __future__ import annotations

import re

from .schema import MAX_CARDS

MAX_DEPTH = 16  # a deck nests 5 deep (file, decks, a deck, its cards, a card's text)
MAX_NUMBER_DIGITS = 15  # a version number; also keeps every integer exact in JSON
MAX_STRING = 4000  # longer than any field allows (the longest: 1,000 characters)
MAX_DECKS = 100  # decks in one file (an export)
MAX_ITEMS = 2 * max(MAX_DECKS, MAX_CARDS)  # entries of any list or table

# Outside strings and comments: an opening or closing bracket, or a run of digits (with
# TOML's underscores). Strings: TOML's multi-line and literal ones, and the basic "..."
# that TOML and JSON share; a comment (TOML) runs to the end of the line.
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'
    r"|'''.*?(?:'''|\Z)"
    r'|"(?:[^"\\\n]|\\.)*(?:"|$)'
    r"|'[^'\n]*(?:'|$)"
    r"|#[^\n]*"
    r"|(?P<open>[\[{])|(?P<close>[\]}])"
    r"|(?P<number>[0-9][0-9_]*)",
    re.S | re.M,
)


def check_text(text: str, source: str) -> list[str]:
    """Problems in the raw text that would take a parser too deep or too far."""
    depth = 0
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > MAX_DEPTH:
                return [f"{source}: nested too deeply (limit {MAX_DEPTH} levels)."]
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "number" and len(match.group().replace("_", "")) > MAX_NUMBER_DIGITS:
            return [f"{source}: a number is too long (limit {MAX_NUMBER_DIGITS} digits)."]
    return []


def check_data(data, source: str) -> list[str]:
    """Problems in parsed data, found without recursion; [] when its shape is within limits."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return [f"{source}: nested too deeply (limit {MAX_DEPTH} levels)."]
        if isinstance(value, bool) or value is None or isinstance(value, float):
            continue
        if isinstance(value, int):
            if abs(value) >= 10**MAX_NUMBER_DIGITS:  # (str() of a huge one would fail)
                return [f"{source}: a number is too long (limit {MAX_NUMBER_DIGITS} digits)."]
        elif isinstance(value, str):
            if len(value) > MAX_STRING:
                return [f"{source}: a text is too long ({len(value)} characters, limit {MAX_STRING})."]
        elif isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                return [f"{source}: a table holds too many entries ({len(value)}, limit {MAX_ITEMS})."]
            for key, item in value.items():
                stack.append((key, depth + 1))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                return [f"{source}: a list holds too many entries ({len(value)}, limit {MAX_ITEMS})."]
            stack.extend((item, depth + 1) for item in value)
    return _counts(data, source)


def _counts(data, source: str) -> list[str]:
    """Too many decks in the file, or cards in a deck: refused before each is checked."""
    decks = data.get("decks") if isinstance(data, dict) and set(data) == {"decks"} else None
    if isinstance(decks, list):
        if len(decks) > MAX_DECKS:
            return [f"{source}: too many decks in one file ({len(decks)}, limit {MAX_DECKS})."]
    else:
        decks = [data]
    for deck in decks:
        cards = deck.get("cards") if isinstance(deck, dict) else None
        if isinstance(cards, list) and len(cards) > MAX_CARDS:
            return [f"{source}: A deck needs between 1 and {MAX_CARDS} cards."]
    return []
