"""The deck catalogue: built-in decks (read-only files) plus ``CustomDeck`` rows.
Reading, creating, changing, retiring and deleting whole decks, importing and exporting
them; the editor's card operations are in ``card_edits``, the TOML writer in
``toml_writer``.

A service: plain functions taking a SQLAlchemy ``Session`` and plain values; no Flask.
Every change goes through the deck schema (``validate_deck_data``) before anything is
written, so a bad edit or a bad file changes nothing. Failures raise either
``DeckError`` (the schema's problems, all of them) or ``DeckStoreError`` (a code the
views and the CLI turn into a message).

Who sees what:
- built-in decks: everyone, read-only;
- a facilitator: their own custom decks;
- an admin (or ``user=None``, the command line): every custom deck.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.models import CustomDeck, GroupSession, Role, User

from .loader import builtin_decks, get_builtin, load_deck_bytes, load_decks_bytes
from .model import SUPPORTED_LANGUAGES, Card, Deck, Link
from .schema import MAX_SLUG, MAX_TITLE, DeckError, validate_deck_data

log = logging.getLogger("reflect.decks")

COPY_SUFFIX = {"en": " (copy)", "es": " (copia)"}


class DeckStoreError(ValueError):
    """A deck request that cannot be carried out. ``code`` picks the message;
    ``deck_id`` names the deck concerned (for messages such as "already exists")."""

    def __init__(self, code: str, deck_id: str | None = None):
        super().__init__(code if deck_id is None else f"{code}: {deck_id}")
        self.code = code
        self.deck_id = deck_id


@dataclass(frozen=True)
class DeckEntry:
    """One deck as a given user sees it in the catalogue."""

    deck: Deck
    owner_id: int | None
    retired: bool
    editable: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.deck.id

    @property
    def builtin(self) -> bool:
        return self.deck.builtin


# --------------------------------------------------------------------------- helpers


def _is_admin(user: User | None) -> bool:
    return user is None or user.role == Role.ADMIN.value


def _can_see(user: User | None, row: CustomDeck) -> bool:
    return _is_admin(user) or (row.owner_id is not None and row.owner_id == user.id)


def _lenient_deck(data: Mapping[str, Any]) -> Deck:
    """Build a deck from stored data that no longer validates (e.g. a theme was
    retired from the vocabulary) so that past sessions still resolve."""
    cards = []
    for raw in data.get("cards") or []:
        if isinstance(raw, dict):
            cards.append(Card(
                id=str(raw.get("id", "")),
                text=dict(raw.get("text") or {}),
                followup=dict(raw["followup"]) if raw.get("followup") else None,
                perspective=str(raw.get("perspective", "")),
                themes=tuple(raw.get("themes") or ()),
            ))
    links = tuple(
        Link(label=dict(x.get("label") or {}), url=str(x.get("url", "")))
        for x in data.get("links") or [] if isinstance(x, dict)
    )
    return Deck(
        id=str(data.get("id", "")),
        version=int(data.get("version") or 1),
        languages=tuple(data.get("languages") or ("en",)),
        title=dict(data.get("title") or {}),
        description=dict(data.get("description") or {}),
        links=links,
        cards=tuple(cards),
        builtin=False,
    )


def _row_deck(row: CustomDeck) -> Deck:
    data = dict(row.data or {})
    data["id"] = row.id
    try:
        return validate_deck_data(data, f"deck {row.id}")
    except DeckError:
        log.warning("Stored deck %s no longer validates; reading it as stored.", row.id)
        return _lenient_deck(data)


def _entry(user: User | None, row: CustomDeck) -> DeckEntry:
    return DeckEntry(
        deck=_row_deck(row),
        owner_id=row.owner_id,
        retired=bool(row.retired),
        editable=_can_see(user, row),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _builtin_entry(deck: Deck) -> DeckEntry:
    return DeckEntry(deck=deck, owner_id=None, retired=False, editable=False)


def _content(data: Mapping[str, Any]) -> dict:
    """Deck data without its version, to tell whether anything really changed."""
    return {k: v for k, v in data.items() if k != "version"}


def _used_languages(data: Mapping[str, Any]) -> set[str]:
    used: set[str] = set()

    def take(mapping: Any) -> None:
        if isinstance(mapping, dict):
            used.update(k for k, v in mapping.items() if v)

    take(data.get("title"))
    take(data.get("description"))
    for link in data.get("links") or []:
        if isinstance(link, dict):
            take(link.get("label"))
    for card in data.get("cards") or []:
        if isinstance(card, dict):
            take(card.get("text"))
            take(card.get("followup"))
    return used


def _with_languages(data: dict, existing: Iterable[str] = ()) -> dict:
    """Keep the deck's languages (primary first) and add any supported language the
    editor has started to use; languages are never dropped here."""
    langs = [x for x in existing if x in SUPPORTED_LANGUAGES]
    used = _used_languages(data)
    if not langs:
        title = data.get("title") if isinstance(data.get("title"), dict) else {}
        primary = next((x for x in SUPPORTED_LANGUAGES if title.get(x)), None)
        primary = primary or next((x for x in SUPPORTED_LANGUAGES if x in used), SUPPORTED_LANGUAGES[0])
        langs = [primary]
    for lang in SUPPORTED_LANGUAGES:
        if lang in used and lang not in langs:
            langs.append(lang)
    data["languages"] = langs
    return data


def slugify(text: str, fallback: str = "deck", max_len: int = MAX_SLUG) -> str:
    """'Múltiples perspectivas!' -> 'multiples-perspectivas'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_len].strip("-")
    return slug or fallback


def _id_in_use(db: Session, deck_id: str) -> bool:
    return get_builtin(deck_id) is not None or db.get(CustomDeck, deck_id) is not None


def _unique_id(db: Session, base: str, first_suffix: str = "") -> str:
    """``base`` + suffix, numbered from 2 (``x-copy``, ``x-copy-2``, ...), within 64 chars,
    used by no built-in and no custom deck."""
    n = 1
    while True:
        suffix = first_suffix + (f"-{n}" if n > 1 else "")
        stem = base[: MAX_SLUG - len(suffix)].rstrip("-") or "deck"
        candidate = stem + suffix
        if not _id_in_use(db, candidate):
            return candidate
        n += 1


def _validated(data: dict, source: str) -> Deck:
    return validate_deck_data(data, source)


# --------------------------------------------------------------------------- reading


def get_deck(db: Session, deck_id: str) -> Deck | None:
    """The deck with this id, built-in or custom, retired included; ``None`` if unknown.

    No access check: past sessions must always resolve their deck. ``Deck.builtin``
    tells which kind it is."""
    deck = get_builtin(deck_id)
    if deck is not None:
        return deck
    row = db.get(CustomDeck, deck_id)
    return _row_deck(row) if row is not None else None


def get_entry(db: Session, user: User | None, deck_id: str) -> DeckEntry | None:
    """The deck as ``user`` sees it, or ``None`` when it is unknown or not theirs."""
    deck = get_builtin(deck_id)
    if deck is not None:
        return _builtin_entry(deck)
    row = db.get(CustomDeck, deck_id)
    if row is None or not _can_see(user, row):
        return None
    return _entry(user, row)


def list_decks(db: Session, user: User | None, include_retired: bool = False) -> list[DeckEntry]:
    """Built-in decks first (shipping order), then the custom decks ``user`` may see
    (their own; an admin or ``None`` sees all), newest first."""
    entries = [_builtin_entry(d) for d in builtin_decks()]
    query = select(CustomDeck).order_by(CustomDeck.created_at.desc(), CustomDeck.id)
    if not _is_admin(user):
        query = query.where(CustomDeck.owner_id == user.id)
    if not include_retired:
        query = query.where(CustomDeck.retired.is_(False))
    entries.extend(_entry(user, row) for row in db.scalars(query))
    return entries


def usable_decks(db: Session, user: User | None) -> list[Deck]:
    """The decks ``user`` may start a session with: built-ins and visible, non-retired custom decks."""
    return [entry.deck for entry in list_decks(db, user, include_retired=False)]


def usable_deck(db: Session, user: User | None, deck_id: str) -> Deck | None:
    """The deck ``deck_id`` if ``user`` may start a session with it, else ``None``."""
    entry = get_entry(db, user, deck_id)
    return entry.deck if entry is not None and not entry.retired else None


# --------------------------------------------------------------------------- writing


def _row_for_change(db: Session, actor: User | None, deck_id: str) -> CustomDeck:
    if get_builtin(deck_id) is not None:
        raise DeckStoreError("builtin_read_only", deck_id)
    row = db.get(CustomDeck, deck_id, with_for_update=True)
    if row is None or not _can_see(actor, row):
        raise DeckStoreError("not_found", deck_id)
    return row


def _save(row: CustomDeck, deck: Deck) -> Deck:
    row.data = deck.to_dict()
    return deck


def apply_change(db: Session, actor: User | None, deck_id: str, change: Callable[[dict], None]) -> Deck:
    """Change a copy of the deck's data, validate it, bump the version, save.

    Nothing is written unless the result validates; a change that changes nothing
    keeps the version."""
    row = _row_for_change(db, actor, deck_id)
    current = _row_deck(row)
    before = current.to_dict()
    data = json.loads(json.dumps(before))  # a deep copy
    change(data)
    data["id"] = current.id
    data["version"] = current.version
    langs = data.get("languages")
    if isinstance(langs, list) and langs and all(x in SUPPORTED_LANGUAGES for x in langs):
        _with_languages(data, langs)  # else the schema names the problem
    deck = _validated(data, deck_id)
    if _content(deck.to_dict()) == _content(before):
        return current
    return _save(row, dataclasses.replace(deck, version=current.version + 1))


def create_deck(db: Session, owner: User | None, data: Mapping[str, Any]) -> Deck:
    """A new custom deck owned by ``owner`` (``None``: visible to admins only).

    ``data`` is the export shape; ``id`` is made from the title when missing,
    ``version`` starts at 1 and ``languages`` follows the text given when missing."""
    data = json.loads(json.dumps(dict(data)))
    data["version"] = 1
    if not data.get("languages"):
        _with_languages(data)
    deck_id = data.get("id")
    if not deck_id:
        title = data.get("title") if isinstance(data.get("title"), dict) else {}
        primary = data["languages"][0] if data.get("languages") else "en"
        data["id"] = _unique_id(db, slugify(title.get(primary) or next(iter(title.values()), "")))
    deck = _validated(data, "deck")
    if get_builtin(deck.id) is not None:
        raise DeckStoreError("id_builtin", deck.id)
    if db.get(CustomDeck, deck.id) is not None:
        raise DeckStoreError("id_taken", deck.id)
    db.add(CustomDeck(id=deck.id, owner_id=owner.id if owner else None, data=deck.to_dict(), retired=False))
    db.flush()
    record(db, owner, "deck_created", f"deck:{deck.id}", {"cards": len(deck.cards)})
    return deck


def update_deck(db: Session, actor: User | None, deck_id: str, data: Mapping[str, Any]) -> Deck:
    """Change a custom deck: the keys of ``data`` (export shape: title, description,
    languages, links, cards) replace the current ones. The id never changes; the
    version goes up by one when anything changed. Owner or admin only."""
    changes = json.loads(json.dumps(dict(data)))
    if "id" in changes and changes["id"] != deck_id:
        raise DeckStoreError("id_immutable", deck_id)

    for key in ("title", "description"):
        if key in changes:
            changes[key] = clean_text(changes[key])

    def change(current: dict) -> None:
        for key, value in changes.items():
            if key not in ("id", "version"):
                current[key] = value

    return apply_change(db, actor, deck_id, change)


def duplicate_deck(db: Session, actor: User | None, deck_id: str) -> Deck:
    """A copy (version 1) owned by ``actor``, of any deck ``actor`` may see, built-ins included."""
    source = get_entry(db, actor, deck_id)
    if source is None:
        raise DeckStoreError("not_found", deck_id)
    data = source.deck.to_dict()
    data["id"] = _unique_id(db, deck_id, "-copy")
    data["version"] = 1
    data["title"] = {
        lang: (text[: MAX_TITLE - len(COPY_SUFFIX.get(lang, " (copy)"))] + COPY_SUFFIX.get(lang, " (copy)"))
        for lang, text in data["title"].items()
    }
    deck = _validated(data, "deck")
    db.add(CustomDeck(id=deck.id, owner_id=actor.id if actor else None, data=deck.to_dict(), retired=False))
    db.flush()
    record(db, actor, "deck_created", f"deck:{deck.id}", {"copied_from": deck_id, "cards": len(deck.cards)})
    return deck


def _set_retired(db: Session, actor: User | None, deck_id: str, retired: bool) -> Deck:
    row = _row_for_change(db, actor, deck_id)
    if row.retired != retired:
        row.retired = retired
        record(db, actor, "deck_retired" if retired else "deck_restored", f"deck:{deck_id}")
    return _row_deck(row)


def retire_deck(db: Session, actor: User | None, deck_id: str) -> Deck:
    """Hide a custom deck from new sessions (past sessions still resolve it)."""
    return _set_retired(db, actor, deck_id, True)


def restore_deck(db: Session, actor: User | None, deck_id: str) -> Deck:
    return _set_retired(db, actor, deck_id, False)


def deck_in_use(db: Session, deck_id: str) -> bool:
    """Whether any session (past or present) was run with this deck."""
    return bool(db.scalar(select(func.count()).select_from(GroupSession).where(GroupSession.deck_id == deck_id)))


def delete_deck(db: Session, actor: User | None, deck_id: str) -> None:
    """Delete a retired custom deck that no session ever used."""
    row = _row_for_change(db, actor, deck_id)
    if not row.retired:
        raise DeckStoreError("retire_first", deck_id)
    if deck_in_use(db, deck_id):
        raise DeckStoreError("deck_in_use", deck_id)
    db.delete(row)
    db.flush()
    record(db, actor, "deck_deleted", f"deck:{deck_id}")


def clean_text(mapping: Any) -> Any:
    """Drop blank translations ({"en": "x", "es": " "} -> {"en": "x"})."""
    if not isinstance(mapping, dict):
        return mapping
    return {k: v for k, v in mapping.items() if not (isinstance(v, str) and not v.strip())}


# --------------------------------------------------------------------------- files


def import_deck(
    db: Session, owner: User | None, raw: bytes, filename: str, replace: bool = False
) -> Deck:
    """Import one deck file (.toml or .json) for ``owner``.

    A bad file raises ``DeckError`` listing every problem; nothing is saved. An id used
    by a built-in deck (``id_builtin``) or by someone else's deck (``id_taken``) is
    refused; the owner's own deck with that id is ``already_exists`` unless
    ``replace`` (then its content is replaced and its version goes up)."""
    return _import_one(db, owner, load_deck_bytes(raw, filename), filename, replace)


def import_decks(
    db: Session, owner: User | None, raw: bytes, filename: str, replace: bool = False
) -> tuple[list[Deck], int]:
    """Import a file of one deck or of several (an export), all or nothing: the first
    deck that cannot be imported raises, and the caller rolls back. Built-in decks in an
    export are skipped (every install has them). Returns the decks imported and how many
    built-in ones were skipped."""
    decks = load_decks_bytes(raw, filename)
    several = len(decks) > 1
    own = [deck for deck in decks if not (several and get_builtin(deck.id) is not None)]
    if not own:
        raise DeckStoreError("id_builtin", decks[0].id)
    return [_import_one(db, owner, deck, filename, replace) for deck in own], len(decks) - len(own)


def _import_one(db: Session, owner: User | None, deck: Deck, filename: str, replace: bool) -> Deck:
    if get_builtin(deck.id) is not None:
        raise DeckStoreError("id_builtin", deck.id)
    owner_id = owner.id if owner else None
    row = db.get(CustomDeck, deck.id, with_for_update=True)
    if row is not None:
        if row.owner_id != owner_id:
            raise DeckStoreError("id_taken", deck.id)
        if not replace:
            raise DeckStoreError("already_exists", deck.id)
        current = _row_deck(row)
        data = deck.to_dict()
        if _content(data) != _content(current.to_dict()):
            data["version"] = max(deck.version, current.version + 1)
            deck = _save(row, _validated(data, filename))
        else:
            deck = current
        record(db, owner, "deck_imported", f"deck:{deck.id}", {"cards": len(deck.cards), "replaced": True})
        return deck
    db.add(CustomDeck(id=deck.id, owner_id=owner_id, data=deck.to_dict(), retired=False))
    db.flush()
    record(db, owner, "deck_imported", f"deck:{deck.id}", {"cards": len(deck.cards), "replaced": False})
    return deck


def export_decks(
    db: Session, deck_ids: Iterable[str] | None = None, actor: User | None = None
) -> dict[str, list[dict]]:
    """``{"decks": [deck.to_dict(), ...]}``. ``deck_ids=None``: every built-in and
    custom deck (as far as ``actor`` may see; ``None`` sees all, retired included).
    An unknown or hidden id raises ``DeckStoreError("not_found")``."""
    if deck_ids is None:
        decks = [entry.deck for entry in list_decks(db, actor, include_retired=True)]
    else:
        decks = []
        for deck_id in deck_ids:
            entry = get_entry(db, actor, deck_id)
            if entry is None:
                raise DeckStoreError("not_found", deck_id)
            decks.append(entry.deck)
    record(db, actor, "decks_exported", "decks" if deck_ids is None else f"deck:{','.join(d.id for d in decks)}"[:120],
           {"count": len(decks)})
    return {"decks": [deck.to_dict() for deck in decks]}
