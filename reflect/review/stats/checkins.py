"""Check-ins: the opening and closing means per scale, the change within a session, and
the feeling words; each only from rounds that qualify (``min_group_size``)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, case, func, literal_column, select, true, union_all
from sqlalchemy.orm import Session

from reflect.models import CheckinAnswer, CheckinRound, GroupSession
from reflect.review.stats.dialect import PeriodSql
from reflect.review.stats.min_group_size import threshold_expr
from reflect.review.stats.periods import WHOLE_PERIOD, Period
from reflect.review.stats.scope import held_filter
from reflect.rooms import feelings as feeling_list

KINDS = ("opening", "closing")


def _mean(total, n) -> float:
    return round(float(total) / n, 2)


def _round_scale_cte(db: Session, group_ids: list[int], period: Period, k: int):
    """One row per (closed round, scale): its non-pass answers rating the scale (n), their
    sum, and ``ok`` = 1 when the round qualifies on its own (n >= k for that session).

    The answers are first summed per (round, scale) on their own (read through the
    round_id index), then joined to their round for the month, kind and threshold: the
    per-answer work stays as small as it can be."""
    sql = PeriodSql(db, period)
    rounds = (
        select(
            CheckinRound.id.label("id"),
            CheckinRound.session_id.label("session_id"),
            CheckinRound.kind.label("kind"),
            sql.month(GroupSession.started_at).label("month"),
            threshold_expr(k).label("k"),
        )
        .select_from(GroupSession)
        .join(CheckinRound, CheckinRound.session_id == GroupSession.id)
        .where(held_filter(group_ids, period), CheckinRound.status == "closed", CheckinRound.kind.in_(KINDS))
        .cte("held_rounds")
    )
    items, key, score, valid = sql.score_items(CheckinAnswer.scores, "score")
    per = (
        select(
            CheckinAnswer.round_id.label("round_id"),
            key.label("scale"),
            func.count().label("n"),
            func.sum(score).label("total"),
        )
        .select_from(CheckinAnswer)
        .join(items, true())
        .where(CheckinAnswer.round_id.in_(select(rounds.c.id)), CheckinAnswer.passed.is_(False), valid)
        .group_by(CheckinAnswer.round_id, key)
        .subquery("per_round")
    )
    return (
        select(
            rounds.c.session_id,
            rounds.c.kind,
            rounds.c.month,
            per.c.scale,
            per.c.n,
            per.c.total,
            case((per.c.n >= rounds.c.k, 1), else_=0).label("ok"),
        )
        .select_from(per)
        .join(rounds, rounds.c.id == per.c.round_id)
        .cte("round_scale")
    )


def _rounds_present(db: Session, group_ids: list[int], period: Period) -> set[tuple[str, str]]:
    """(month, kind) with at least one closed round, whatever its size: tells "too few" from "none"."""
    month = PeriodSql(db, period).month(GroupSession.started_at)
    rows = db.execute(
        select(month, CheckinRound.kind)
        .select_from(GroupSession)
        .join(CheckinRound, CheckinRound.session_id == GroupSession.id)
        .where(held_filter(group_ids, period), CheckinRound.status == "closed", CheckinRound.kind.in_(KINDS))
        .group_by(month, CheckinRound.kind)
    ).all()
    return {(mon, kind) for mon, kind in rows}


def _cell(n: int, total: float, k: int, **extra) -> dict:
    if n >= k and n > 0:
        return {"status": "ok", "n": n, "mean": _mean(total, n), **extra}
    return {"status": "too_few"}


def checkin_trends(db: Session, group_ids: list[int], period: Period, k: int) -> list[dict]:
    """Per scale and bucket: the opening and closing means, and the mean change within a
    session (closing minus opening); each only from qualifying rounds (see the module doc)."""
    rs = _round_scale_cte(db, group_ids, period, k)
    # Means: only qualifying rounds add to a cell (n * ok); every scale seen is listed.
    means = select(
        literal_column("'mean'").label("what"), rs.c.month, rs.c.kind, rs.c.scale,
        func.sum(rs.c.n * rs.c.ok), func.sum(rs.c.total * rs.c.ok), func.sum(rs.c.ok),
    ).group_by(rs.c.month, rs.c.kind, rs.c.scale)
    # The change within a session: both qualifying rounds of one session, side by side by
    # aggregation (no self-join, so the plan stays linear whatever the row estimates).
    opening, closing = rs.c.kind == "opening", rs.c.kind == "closing"
    pairs = (
        select(
            rs.c.session_id,
            rs.c.scale,
            func.max(rs.c.month).label("month"),
            func.sum(case((opening, rs.c.n), else_=0)).label("n_open"),
            func.sum(case((opening, rs.c.total), else_=0)).label("t_open"),
            func.sum(case((closing, rs.c.n), else_=0)).label("n_close"),
            func.sum(case((closing, rs.c.total), else_=0)).label("t_close"),
        )
        .where(rs.c.ok == 1)
        .group_by(rs.c.session_id, rs.c.scale)
        .subquery("pairs")
    )
    change = (
        select(
            literal_column("'change'").label("what"), pairs.c.month, literal_column("'change'").label("kind"),
            pairs.c.scale,
            func.sum(pairs.c.n_open + pairs.c.n_close),
            func.sum(pairs.c.t_close * 1.0 / pairs.c.n_close - pairs.c.t_open * 1.0 / pairs.c.n_open),
            func.count(),
        )
        .where(pairs.c.n_open > 0, pairs.c.n_close > 0)
        .group_by(pairs.c.month, pairs.c.scale)
    )
    rows = db.execute(union_all(means, change)).all()
    had = {(b, kind) for mon, kind in _rounds_present(db, group_ids, period)
           for b in (period.bucket_of(mon), WHOLE_PERIOD)}

    # (bucket, kind, scale) -> [answers, sum, rounds-or-sessions], from qualifying units only
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0, 0])
    scales: set[str] = set()
    for _what, mon, kind, scale, n, total, units in rows:
        scales.add(scale)
        for bucket in {period.bucket_of(mon), WHOLE_PERIOD}:
            cell = sums[(bucket, kind, scale)]
            cell[0] += int(n or 0)
            cell[1] += float(total or 0)
            cell[2] += int(units or 0)

    def cell(bucket: str, kind: str, scale: str) -> dict:
        n, total, units = sums.get((bucket, kind, scale), (0, 0.0, 0))
        if kind == "change":
            if (bucket, "opening") not in had or (bucket, "closing") not in had:
                return {"status": "none"}
            if units < 1 or n < k:
                return {"status": "too_few"}
            return {"status": "ok", "n": n, "sessions": units, "mean": _mean(total, units)}
        if (bucket, kind) not in had:
            return {"status": "none"}
        if units < 1:
            return {"status": "too_few"}
        return _cell(n, total, k, rounds=units)

    order = {"energy": 0, "supported": 1, "weight": 2, "present": 3, "hopeful": 4}
    out = []
    for scale in sorted(scales, key=lambda s: (order.get(s, 99), s)):
        out.append({
            "scale": scale,
            "rows": [
                {"bucket": b, "opening": cell(b, "opening", scale), "closing": cell(b, "closing", scale),
                 "change": cell(b, "change", scale)}
                for b in period.buckets()
            ],
            "total": {"bucket": WHOLE_PERIOD, "opening": cell(WHOLE_PERIOD, "opening", scale),
                      "closing": cell(WHOLE_PERIOD, "closing", scale), "change": cell(WHOLE_PERIOD, "change", scale)},
        })
    return out


def feeling_words(db: Session, group_ids: list[int], period: Period, k: int, limit: int = 40,
                  lang: str = "en") -> list[dict]:
    """Feeling words with their counts, only from closed rounds that hold at least k of them.
    Each is a feeling of the shared list (``rooms.feelings``), shown by its label in
    ``lang``; a word of a participant's own (``free_word``) is never counted here."""
    has_word = and_(CheckinAnswer.passed.is_(False), CheckinAnswer.feeling.is_not(None), CheckinAnswer.feeling != "")
    per_round = (
        select(
            CheckinAnswer.feeling.label("word"),
            func.count().label("n"),
            func.sum(func.count()).over(partition_by=CheckinAnswer.round_id).label("words"),
            threshold_expr(k).label("k"),
        )
        .select_from(GroupSession)
        .join(CheckinRound, CheckinRound.session_id == GroupSession.id)
        .join(CheckinAnswer, CheckinAnswer.round_id == CheckinRound.id)
        .where(held_filter(group_ids, period), CheckinRound.status == "closed", has_word)
        .group_by(CheckinAnswer.round_id, CheckinAnswer.feeling, GroupSession.min_group_size)
        .subquery("per_round")
    )
    rows = db.execute(
        select(per_round.c.word, func.sum(per_round.c.n))
        .where(per_round.c.words >= per_round.c.k)
        .group_by(per_round.c.word)
    ).all()
    counts: dict[str, int] = defaultdict(int)
    for key, n in rows:
        if feeling_list.is_feeling(key):
            counts[key] += int(n)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"key": key, "word": feeling_list.label(key, lang), "count": n} for key, n in ranked]
