"""Notes the facilitator shared with the supervisor; private notes never appear here."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from reflect.models import GroupSession, Note, NoteTag, SessionCard, ThemeTag
from reflect.review.stats.periods import Period
from reflect.review.stats.scope import Viewer, held_filter


def shared_notes(db: Session, group_ids: list[int], period: Period, viewer: Viewer, limit: int = 500) -> list[dict]:
    """Notes the facilitator shared with the supervisor, with tags and the card and phase
    they were written at. Private notes never appear here, whoever looks."""
    scope = Note.shared_with_supervisor.is_(True)
    if viewer.role == "facilitator":
        scope = and_(scope, Note.author_id == viewer.user_id)
    elif viewer.role not in ("supervisor", "admin"):
        return []
    rows = db.execute(
        select(
            Note.id, Note.phase, Note.text, GroupSession.id, GroupSession.started_at,
            SessionCard.text, SessionCard.perspective, SessionCard.position, SessionCard.languages,
        )
        .join(GroupSession, GroupSession.id == Note.session_id)
        .outerjoin(SessionCard, SessionCard.id == Note.session_card_id)
        .where(held_filter(group_ids, period), scope)
        .order_by(GroupSession.started_at.desc(), Note.created_at, Note.id)
        .limit(limit)
    ).all()
    ids = [r[0] for r in rows]
    tags: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for note_id, slug, label in db.execute(
            select(NoteTag.note_id, ThemeTag.slug, ThemeTag.label)
            .join(ThemeTag, ThemeTag.id == NoteTag.tag_id)
            .where(NoteTag.note_id.in_(ids))
            .order_by(ThemeTag.slug)
        ):
            tags[note_id].append({"slug": slug, "label": label if isinstance(label, dict) else {}})
    return [
        {
            "id": note_id,
            "session_id": session_id,
            "date": period.local(started).date().isoformat(),
            "phase": phase,
            "text": text,
            "card": (
                {"text": card_text or {}, "perspective": perspective, "position": position,
                 "languages": languages or []}
                if position is not None else None
            ),
            "tags": tags.get(note_id, []),
        }
        for note_id, phase, text, session_id, started, card_text, perspective, position, languages in rows
    ]
