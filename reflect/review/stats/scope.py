"""Which rows count: the held sessions of a period's groups, and the notes a viewer may count."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false

from reflect.models import GroupSession, Note
from reflect.review.stats.periods import Period


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides which notes' tags and texts may count."""

    user_id: int
    role: str


def held_filter(group_ids: list[int], period: Period):
    return and_(
        GroupSession.group_id.in_(group_ids),
        GroupSession.started_at >= period.start_at,
        GroupSession.started_at < period.end_before,
        GroupSession.ended_at.is_not(None),
    )


def note_scope(viewer: Viewer):
    """Notes whose tags may count for this viewer: a facilitator's own notes; for anyone
    else only notes the facilitator shared with the supervisor."""
    if viewer.role == "facilitator":
        return Note.author_id == viewer.user_id
    if viewer.role in ("supervisor", "admin"):
        return Note.shared_with_supervisor.is_(True)
    return false()
