"""Writes a deck as a TOML file in the layout of the built-in decks (``decks/*.toml``);
``loader`` reads it back."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping

from .model import Deck


def _toml_str(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes; DEL must be escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_str(key)


def _toml_table(lines: list[str], header: str, mapping: Mapping[str, str]) -> None:
    lines.append(header)
    lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in mapping.items())


def deck_to_toml(deck: Deck) -> str:
    """The deck as a TOML file in the same layout as the built-in decks."""
    data = deck.to_dict()
    lines = [
        f"id = {_toml_value(data['id'])}",
        f"version = {_toml_value(data['version'])}",
        f"languages = {_toml_value(data['languages'])}",
    ]
    if not data["links"]:
        lines.append("links = []")
    lines.append("")
    _toml_table(lines, "[title]", data["title"])
    lines.append("")
    _toml_table(lines, "[description]", data["description"])
    for link in data["links"]:
        lines += ["", "[[links]]", f"url = {_toml_value(link['url'])}"]
        _toml_table(lines, "[links.label]", link["label"])
    for card in data["cards"]:
        lines += [
            "",
            "[[cards]]",
            f"id = {_toml_value(card['id'])}",
            f"perspective = {_toml_value(card['perspective'])}",
            f"themes = {_toml_value(card['themes'])}",
        ]
        _toml_table(lines, "[cards.text]", card["text"])
        if card.get("followup"):
            _toml_table(lines, "[cards.followup]", card["followup"])
    return "\n".join(lines) + "\n"
