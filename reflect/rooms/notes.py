"""The facilitator's private notes and the theme-tag list (no Socket.IO here)."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from reflect.db import utcnow
from reflect.models import GroupSession, Note, ThemeTag, User
from reflect.prompts.themes import THEMES
from reflect.rooms import storage
from reflect.rooms.errors import RoomError
from reflect.rooms.lifecycle import current_card_id


def seed_theme_tags(db: Session) -> int:
    """Add the shared vocabulary's tags that are missing; returns how many were added."""
    have = storage.shared_tag_slugs(db)
    missing = [ThemeTag(owner_id=None, slug=theme.slug, label={"en": theme.en, "es": theme.es})
               for theme in THEMES if theme.slug not in have]
    storage.add_tags(db, missing)
    return len(missing)


# --- notes ------------------------------------------------------------------------------


def identifiers_in(text: str) -> dict | None:
    """What the identifier guard finds in a note about to be shared with the supervisor:
    its categories and spans (``[[start, end, category], ...]``), or None."""
    from reflect.privacy import scan

    result = scan(text or "")
    if not result.flagged:
        return None
    return {"categories": list(result.categories), "spans": [[s.start, s.end, s.category] for s in result.spans]}

NOTE_MAX = 5000
TAG_MAX = 40


def visible_tags(db: Session, user_id: int) -> list[ThemeTag]:
    """The shared vocabulary plus the facilitator's (``user_id``) own tags, not retired."""
    return storage.visible_tags(db, user_id)


def add_tag(db: Session, user: User, label: str) -> ThemeTag:
    label = " ".join((label or "").split())
    if not label or len(label) > TAG_MAX:
        raise RoomError("tag_invalid")
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60] or "tag"
    existing = storage.own_tag(db, user.id, slug)
    if existing is not None:
        existing.retired = False
        return existing
    tag = ThemeTag(owner_id=user.id, slug=slug, label={"en": label, "es": label})
    storage.add_tags(db, [tag])
    return tag


def retire_tag(db: Session, user: User, tag_id: int) -> None:
    tag = storage.tag_by_id(db, tag_id)
    if tag is None or tag.owner_id != user.id:
        raise RoomError("not_found")
    tag.retired = True


def save_note(
    db: Session,
    session: GroupSession,
    author: User,
    client_id: str,
    *,
    text: str,
    tags: list[int],
    share: bool,
) -> Note:
    """Create or update (autosave) the note ``client_id``; stamped with the phase and
    card at which it was first written."""
    if session.facilitator_id != author.id and author.role != "admin":
        raise RoomError("forbidden")
    text = (text or "").strip()
    if len(text) > NOTE_MAX:
        raise RoomError("text_too_long", limit=NOTE_MAX)
    allowed = {tag.id: tag for tag in visible_tags(db, author.id)}
    if any(tag_id not in allowed for tag_id in tags):
        raise RoomError("not_found")  # another facilitator's tag, or none
    note = storage.note_of(db, author.id, client_id)
    if note is not None and note.session_id != session.id:
        raise RoomError("not_found")  # a note of another session
    if note is None:
        note = Note(session_id=session.id, author_id=author.id, client_id=client_id, phase=session.phase,
                    session_card_id=current_card_id(db, session) if session.phase == "reflect" else None)
    note.text = text
    note.shared_with_supervisor = bool(share)
    note.updated_at = utcnow()
    note.tags = [allowed[tag_id] for tag_id in dict.fromkeys(tags)]
    storage.write_note(db, note)
    return note


def delete_note(db: Session, session: GroupSession, author: User, client_id: str) -> None:
    note = storage.note_of(db, author.id, client_id)
    if note is None or note.session_id != session.id:
        raise RoomError("not_found")
    storage.delete_note(db, note)


def notes_of(db: Session, session: GroupSession, author_id: int) -> list[Note]:
    """The author's notes in the session, oldest first, with their tags."""
    return storage.notes_of(db, session.id, author_id)
