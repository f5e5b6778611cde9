"""Load decks from TOML/JSON files, uploads and the built-in deck folder."""

from __future__ import annotations

import functools
import json
import re
import tomllib
from pathlib import Path
from typing import Iterable

from .limits import check_data, check_text
from .model import Deck
from .messages import translate_problem
from .schema import DeckError, validate_deck_data

DECKS_DIR = Path(__file__).parent / "decks"
DECK_SUFFIXES = (".toml", ".json")
MAX_UPLOAD_BYTES = 256 * 1024

# Built-in decks appear in this order; any others follow alphabetically.
BUILTIN_ORDER: tuple[str, ...] = (
    "arriving-and-closing",
    "multiple-perspectives",
    "family-story",
    "holding-the-baby-in-mind",
    "use-of-self",
    "parallel-process",
    "culture-and-equity",
    "practice-vignettes",
)

_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _decode(raw: bytes, source: str) -> dict:
    """Parse TOML or JSON (by the source's suffix) into Python data."""
    suffix = Path(source).suffix.lower()
    if suffix not in DECK_SUFFIXES:
        raise DeckError([translate_problem(f"{source}: unsupported file type (use .toml or .json).")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DeckError([translate_problem(f"{source}: not valid UTF-8 text (byte {err.start + 1}).")]) from None
    too_much = check_text(text, source)  # before a parser goes deep or reads a huge number
    if too_much:
        raise DeckError([translate_problem(problem) for problem in too_much])
    data = _parse(text, source, suffix)
    too_much = check_data(data, source)  # before the schema walks it
    if too_much:
        raise DeckError([translate_problem(problem) for problem in too_much])
    return data


def _parse(text: str, source: str, suffix: str):
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            message = str(err)
            match = _TOML_POS.search(message)
            if match:
                line, col = match.groups()
                message = _TOML_POS.sub("", message)
                raise DeckError([translate_problem(f"{source}: line {line}, column {col}: TOML syntax error: {message}")]) from None
            raise DeckError([translate_problem(f"{source}: TOML syntax error: {message}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DeckError(
            [translate_problem(f"{source}: line {err.lineno}, column {err.colno}: JSON syntax error: {err.msg}")]
        ) from None
    try:  # JSON can escape a lone surrogate ("\\ud800"), which no page or database can hold
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise DeckError([translate_problem(f"{source}: the text holds an invalid \\u escape (a lone surrogate).")]) from None
    return data


def _check_size(raw: bytes, filename: str) -> None:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise DeckError([translate_problem(f"{filename}: file is too large (limit {MAX_UPLOAD_BYTES // 1024} KB).")])


def load_deck_bytes(raw: bytes, filename: str, builtin: bool = False) -> Deck:
    """Load an uploaded deck; ``filename`` picks the format and names problems."""
    _check_size(raw, filename)
    return validate_deck_data(_decode(raw, filename), filename, builtin=builtin)


def load_decks_bytes(raw: bytes, filename: str) -> list[Deck]:
    """Load an uploaded file holding one deck, or several as an export writes them
    (``{"decks": [...]}``); every problem of every deck is listed, nothing half-loaded."""
    _check_size(raw, filename)
    data = _decode(raw, filename)
    if not (isinstance(data, dict) and set(data) == {"decks"} and isinstance(data["decks"], list)):
        return [validate_deck_data(data, filename)]
    if not data["decks"]:
        raise DeckError([translate_problem(f"{filename}: the file holds no deck.")])
    decks, problems, seen = [], [], set()
    for n, item in enumerate(data["decks"], start=1):
        try:
            deck = validate_deck_data(item, f"{filename} ({n})")
        except DeckError as err:
            problems += err.problems
            continue
        if deck.id in seen:
            problems.append(translate_problem(f"{filename} ({n}): Duplicate deck id '{deck.id}'."))
        seen.add(deck.id)
        decks.append(deck)
    if problems:
        raise DeckError(problems)
    return decks


def load_deck_file(path: str | Path, builtin: bool = False) -> Deck:
    """Load one deck file (.toml or .json); raises ``DeckError``."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DeckError([translate_problem(f"{source}: cannot read file ({err.strerror or err}).")]) from None
    return validate_deck_data(_decode(raw, source), source, builtin=builtin)


def _builtin_sort_key(deck: Deck) -> tuple:
    if deck.id in BUILTIN_ORDER:
        return (0, BUILTIN_ORDER.index(deck.id), deck.id)
    return (1, 0, deck.id)


@functools.lru_cache(maxsize=1)
def builtin_decks() -> tuple[Deck, ...]:
    """All decks shipped in ``reflect/prompts/decks`` (cached, stable order)."""
    decks = []
    problems: list[str] = []
    for path in sorted(DECKS_DIR.glob("*.toml")):
        try:
            deck = load_deck_file(path, builtin=True)
        except DeckError as err:
            problems.extend(err.problems)
            continue
        if deck.id != path.stem:
            problems.append(f"{path}: id '{deck.id}' does not match the file name.")
        decks.append(deck)
    if problems:
        raise DeckError(problems)
    return tuple(sorted(decks, key=_builtin_sort_key))


def get_builtin(deck_id: str) -> Deck | None:
    """The built-in deck with this id, or ``None``."""
    return next((d for d in builtin_decks() if d.id == deck_id), None)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix.lower() in DECK_SUFFIXES))
        else:
            out.append(p)
    return out


def validate_paths(paths: Iterable[str | Path]) -> dict[str, list[str]]:
    """Map each deck file (directories expanded) to its problems; [] when valid."""
    results: dict[str, list[str]] = {}
    for path in _expand(paths):
        try:
            load_deck_file(path)
            results[str(path)] = []
        except DeckError as err:
            results[str(path)] = err.problems
    return results


def main(argv: list[str] | None = None) -> int:
    """``python -m reflect.prompts.loader PATH...``: print problems, exit 1 if any."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    results = validate_paths(args or [DECKS_DIR])
    bad = 0
    for path, problems in results.items():
        if problems:
            bad += 1
            print("\n".join(problems))
        else:
            print(f"{path}: ok")
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
