"""The shared list of feelings a check-in offers (``data/feelings.toml``).

A check-in stores the *key* of the feeling chosen, and every viewer sees its label in
their own language, so the aggregate never shows anyone's own spelling, language or
grammatical gender. A word of a participant's own is possible only where the
facilitator allowed it, and reaches only the facilitator (``CheckinAnswer.free_word``).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "feelings.toml"
LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Feeling:
    key: str
    family: str
    labels: dict


@dataclass(frozen=True)
class Family:
    key: str
    labels: dict
    feelings: tuple[Feeling, ...]


@lru_cache(maxsize=1)
def families() -> tuple[Family, ...]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    out = []
    for family in data["family"]:
        feelings = tuple(Feeling(f["key"], family["key"], {lang: f[lang] for lang in LANGUAGES})
                         for f in family["feelings"])
        out.append(Family(family["key"], {lang: family[lang] for lang in LANGUAGES}, feelings))
    return tuple(out)


@lru_cache(maxsize=1)
def by_key() -> dict[str, Feeling]:
    return {f.key: f for family in families() for f in family.feelings}


def is_feeling(key) -> bool:
    return isinstance(key, str) and key in by_key()


def label(key: str, lang: str) -> str:
    """The feeling's label in ``lang`` (English when ``lang`` has none). A key not in the
    list (none should be stored) is shown as nothing rather than as stored text."""
    feeling = by_key().get(key)
    if feeling is None:
        return ""
    return feeling.labels.get(lang) or feeling.labels["en"]


def labels(keys: list[str], lang: str) -> list[str]:
    return [text for text in (label(k, lang) for k in keys) if text]


def choices(lang: str) -> list[dict]:
    """The list as the phone offers it, in ``lang``: each family with its feelings."""
    return [{"label": family.labels.get(lang) or family.labels["en"],
             "feelings": [{"key": f.key, "label": f.labels.get(lang) or f.labels["en"]} for f in family.feelings]}
            for family in families()]
