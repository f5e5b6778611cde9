"""Marking issued letters superseded when the record they were drawn from changes."""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from reflect.db import utcnow
from reflect.models import HoursLetter


def supersede(db: Session, person_id: int, days: list[date] | None = None) -> int:
    """Letters of ``person_id`` still current whose period holds one of ``days`` (all of
    them when ``days`` is None) are marked superseded; returns how many."""
    query = update(HoursLetter).where(HoursLetter.person_id == person_id, HoursLetter.superseded_at.is_(None))
    if days is not None:
        if not days:
            return 0
        query = query.where(or_(*[(HoursLetter.period_start <= d) & (HoursLetter.period_end >= d) for d in days]))
    return db.execute(query.values(superseded_at=utcnow())).rowcount
