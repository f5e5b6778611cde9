"""Takeaways shared anonymously with the group, from sessions with at least k of them."""
from __future__ import annotations

import random
from collections import defaultdict

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from reflect.models import Answer, GroupSession
from reflect.review.stats.dialect import PeriodSql
from reflect.review.stats.min_group_size import threshold_expr
from reflect.review.stats.periods import Period
from reflect.review.stats.scope import held_filter


def _anonymous_group_takeaway():
    return and_(
        Answer.kind == "takeaway",
        Answer.audience == "group",
        Answer.hidden.is_(False),
        Answer.withdrawn.is_(False),
        Answer.author_participant_id.is_(None),
        Answer.author_name.is_(None),
        Answer.text.is_not(None),
    )


def takeaways(db: Session, group_ids: list[int], period: Period, k: int, rng: random.Random | None = None) -> list[dict]:
    """Takeaways shared anonymously with the group, from sessions with at least k of them;
    shuffled within each month, and dated by month only."""
    sql = PeriodSql(db, period)
    month = sql.month(GroupSession.started_at)
    qualifying = (
        select(Answer.session_id)
        .join(GroupSession, GroupSession.id == Answer.session_id)
        .where(held_filter(group_ids, period), _anonymous_group_takeaway())
        .group_by(Answer.session_id, GroupSession.min_group_size)
        .having(func.count() >= threshold_expr(k))
    )
    rows = db.execute(
        select(month, Answer.text)
        .join(GroupSession, GroupSession.id == Answer.session_id)
        .where(Answer.session_id.in_(qualifying), _anonymous_group_takeaway())
    ).all()
    by_month: dict[str, list[str]] = defaultdict(list)
    for mon, text in rows:
        by_month[mon].append(text)
    rng = rng or random.SystemRandom()
    out = []
    for mon in sorted(by_month, reverse=True):
        texts = sorted(by_month[mon])  # a fixed start, then shuffled: no trace of writing order
        rng.shuffle(texts)
        out.extend({"month": mon, "text": t} for t in texts)
    return out
