"""Sessions held and their hours: each held session's duration rounded half-up to
0.01 h once; every total is the sum of those rounded hours."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.models import GroupSession
from reflect.review.stats.dialect import PeriodSql
from reflect.review.stats.periods import Period
from reflect.review.stats.scope import held_filter


def _hundredths(seconds) -> Decimal:
    """Seconds to hours, rounded half-up to 0.01 h (exact: a ``Decimal``)."""
    value = Decimal(str(float(seconds or 0))) / Decimal(3600)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def hours(seconds) -> float:
    """Seconds to hours, rounded half-up to 0.01."""
    return float(_hundredths(seconds))


def session_hours(started: datetime, ended: datetime) -> Decimal:
    """One held session's hours, rounded once (every total adds these up)."""
    return _hundredths((ended - started).total_seconds())


def sessions_summary(db: Session, group_ids: list[int], period: Period) -> dict:
    """Sessions held and their hours: each session rounded once, totals summed from those."""
    sql = PeriodSql(db, period)
    month = sql.month(GroupSession.started_at)
    rows = db.execute(
        select(GroupSession.group_id, month, GroupSession.started_at, GroupSession.ended_at)
        .where(held_filter(group_ids, period))
    ).all()
    zero = Decimal(0)
    by_bucket = {b: [0, zero] for b in period.buckets()}
    per_group: dict[int, dict] = {}
    held, total = 0, zero
    for group_id, mon, started, ended in rows:
        h = session_hours(started, ended)
        cell = by_bucket.setdefault(period.bucket_of(mon), [0, zero])
        cell[0] += 1
        cell[1] += h
        held += 1
        total += h
        g = per_group.setdefault(group_id, {"held": 0, "hours": zero, "last": None})
        g["held"] += 1
        g["hours"] += h
        g["last"] = max(g["last"], started) if g["last"] else started
    return {
        "held": held,
        "hours": float(total),
        "by_bucket": [{"bucket": b, "held": c[0], "hours": float(c[1])} for b, c in by_bucket.items()],
        "per_group": {
            gid: {"held": g["held"], "hours": float(g["hours"]), "last": period.local(g["last"]).date().isoformat()}
            for gid, g in per_group.items()
        },
    }
