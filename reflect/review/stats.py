"""Aggregates for the supervisor review area. Plain functions over a ``Session``; no Flask.

What counts
-----------
- A session is *held* when it has ended (``ended_at`` set); it belongs to the period by
  ``started_at`` and lasts ``ended_at - started_at``. Times are stored in UTC; days,
  months, quarters and years are those of the configured time zone
  (``REFLECT_TIMEZONE``, the period's ``tz``): a 6 pm Pacific session on 31 December
  belongs to December, and to that year. A session that ended in the
  lobby never started and is not counted. Once ended, nothing in it can change (its
  check-in rounds are closed and cannot be reopened), so every view of it is the same.
- Cards count when they were shown (``SessionCard.shown_at`` set).
- Attendance: a rostered person attended a held session when an admitted participant
  carried their ``roster_member_id``.
- Hours: each held session's duration is rounded half-up to 0.01 h once; every total (a
  person's, a period's, a group's) is the sum of its sessions' rounded hours, so the
  attendance log and the session list always add up to the totals shown beside them.

The minimum-group-size rule (k = max(the configured minimum, the session's own
``min_group_size``); see docs/review-api.md):
- A closed check-in round of a held session contributes a scale's scores to an aggregate
  only if that round, on its own, holds at least k non-pass answers rating that scale.
  The unit added to any cell is therefore always a whole round of >= k answers: two
  views that differ by one session or one person differ by a whole round or not at all.
- The change within a session (closing mean minus opening mean) counts only when both
  rounds qualify for that scale.
- A cell is shown only when it holds at least the configured minimum of contributing
  answers; otherwise it says "too few" (or "none" when there was no round at all).
- Feeling words come only from rounds with at least k feeling words; takeaways only
  from sessions with at least k anonymous takeaways shared with the group.

Every aggregate is computed in SQL over the held sessions of the period (found through
the ``(group_id, started_at)`` index), so the work grows with what is shown.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, false, func, literal, literal_column, select, true, union_all
from sqlalchemy.orm import Session

from reflect.rooms import feelings as feeling_list
from reflect.models import (
    Answer,
    CheckinAnswer,
    CheckinRound,
    Group,
    GroupSession,
    Note,
    NoteTag,
    Participant,
    RosterMember,
    SessionCard,
    ThemeTag,
    User,
)

BY_CHOICES = ("month", "quarter", "period")
KINDS = ("opening", "closing")
MAX_MONTHS = 120
WHOLE_PERIOD = "all"


class ReviewStatsError(ValueError):
    """A request for figures that cannot be answered; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- the time zone -------------------------------------------------------------------------

UTC = "UTC"


@lru_cache(maxsize=32)
def zone(name: str | None) -> tzinfo:
    """The IANA time zone called ``name`` (``REFLECT_TIMEZONE``, checked at start-up);
    UTC needs no time-zone database."""
    if not name or name == UTC:
        return timezone.utc
    return ZoneInfo(name)


def to_local(moment: datetime, tz: str | None) -> datetime:
    """A stored (naive, UTC) time as the wall-clock time in ``tz`` (naive)."""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone(tz)).replace(tzinfo=None)


def to_utc(wall: datetime, tz: str | None) -> datetime:
    """A wall-clock time in ``tz`` (naive) as a stored (naive, UTC) time."""
    return wall.replace(tzinfo=zone(tz)).astimezone(timezone.utc).replace(tzinfo=None)


def local_today(tz: str | None, now_utc: datetime | None = None) -> date:
    """Today's date in ``tz``."""
    return to_local(now_utc or datetime.now(timezone.utc).replace(tzinfo=None), tz).date()


@lru_cache(maxsize=64)
def _offset_steps(tz: str | None, start: datetime, end: datetime) -> tuple[tuple[datetime | None, int], ...]:
    """The UTC offsets (seconds) of ``tz`` between two UTC times: ``((None, first),
    (t1, second), …)``, each ``t`` the UTC time from which its offset applies. Found by
    looking a day at a time, then to the second where the offset changed."""
    z = zone(tz)
    epoch = datetime(1970, 1, 1)

    def offset(seconds: int) -> int:
        moment = datetime.fromtimestamp(seconds, timezone.utc)
        return int(moment.astimezone(z).utcoffset().total_seconds())

    lo_end = int((start - epoch).total_seconds())
    hi_end = int((end - epoch).total_seconds())
    current = offset(lo_end)
    steps: list[tuple[datetime | None, int]] = [(None, current)]
    day = 86400
    at = lo_end
    while at < hi_end:
        nxt = min(at + day, hi_end)
        new = offset(nxt)
        if new != current:
            lo, hi = at, nxt  # offset(lo) == current, offset(hi) == new
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == current:
                    lo = mid
                else:
                    hi = mid
            steps.append((epoch + timedelta(seconds=hi), new))
            current = new
        at = nxt
    return tuple(steps)


# --- the period ---------------------------------------------------------------------------


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month_key(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (both dates inclusive, days in the time zone ``tz``),
    shown ``by`` month, quarter or as one pool for the whole period."""

    start: date
    end: date
    by: str = "month"
    tz: str = UTC

    @property
    def start_at(self) -> datetime:
        """The first moment of the period, as a stored (UTC) time."""
        return to_utc(datetime.combine(self.start, time.min), self.tz)

    @property
    def end_before(self) -> datetime:
        """The first moment after the period, as a stored (UTC) time."""
        return to_utc(datetime.combine(self.end + timedelta(days=1), time.min), self.tz)

    def local(self, moment: datetime) -> datetime:
        """A stored (UTC) time as the wall-clock time in the period's zone."""
        return to_local(moment, self.tz)

    def offsets(self) -> tuple[tuple[datetime | None, int], ...]:
        return _offset_steps(self.tz, self.start_at, self.end_before)

    def months(self) -> list[str]:
        return [_month_key(i) for i in range(_month_index(self.start), _month_index(self.end) + 1)]

    def bucket_of(self, month: str) -> str:
        if self.by == "month":
            return month
        if self.by == "quarter":
            year, mon = month.split("-")
            return f"{year}-Q{(int(mon) - 1) // 3 + 1}"
        return WHOLE_PERIOD

    def buckets(self) -> list[str]:
        return list(dict.fromkeys(self.bucket_of(m) for m in self.months()))

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "by": self.by, "timezone": self.tz}


def default_start(today: date) -> date:
    """The last twelve months: the day after the same day a year back (29 February: 1 March)."""
    try:
        return today.replace(year=today.year - 1) + timedelta(days=1)
    except ValueError:
        return date(today.year - 1, 3, 1)


def make_period(start: date | None, end: date | None, by: str | None, today: date, tz: str = UTC) -> Period:
    """``today`` is the date in ``tz``; ``start`` and ``end`` are days in ``tz``."""
    end = end or today
    start = start or default_start(end)
    by = by or "month"
    if by not in BY_CHOICES:
        raise ReviewStatsError("by_invalid")
    if start > end:
        raise ReviewStatsError("period_reversed")
    if _month_index(end) - _month_index(start) + 1 > MAX_MONTHS:
        raise ReviewStatsError("period_too_long")
    return Period(start, end, by, tz or UTC)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides which notes' tags and texts may count."""

    user_id: int
    role: str


# --- SQL helpers that differ between SQLite and PostgreSQL ----------------------------------


class _Sql:
    def __init__(self, db: Session, period: Period):
        self.pg = db.get_bind().dialect.name == "postgresql"
        self.period = period

    def _stamp(self, moment: datetime):
        # As each backend stores the column (SQLAlchemy's SQLite format is text).
        if self.pg:
            return literal_column(f"TIMESTAMP '{moment:%Y-%m-%d %H:%M:%S}'")
        return literal_column(f"'{moment:%Y-%m-%d %H:%M:%S}.000000'")

    def _shift(self, seconds: int):
        if self.pg:
            return literal_column(f"INTERVAL '{int(seconds)} seconds'")
        return literal_column(f"'{int(seconds):+d} seconds'")

    def _offset(self, column):
        """The period's zone's UTC offset at ``column``'s time, as an SQL interval (PG) or
        date modifier (SQLite); None when it is UTC throughout. The offsets come from
        Python's time-zone database (the same one every date shown is computed with),
        one per stretch between changes within the period (a few per year), inlined."""
        steps = self.period.offsets()
        if len(steps) == 1:
            return self._shift(steps[0][1]) if steps[0][1] else None
        whens = [(column < self._stamp(steps[i + 1][0]), self._shift(steps[i][1])) for i in range(len(steps) - 1)]
        return case(*whens, else_=self._shift(steps[-1][1]))

    def month(self, column):
        """``YYYY-MM`` of ``column`` in the period's zone. Everything is inlined, nothing
        bound: a grouped expression must read the same twice."""
        offset = self._offset(column)
        if self.pg:
            return func.to_char(column if offset is None else column + offset, literal_column("'YYYY-MM'"))
        if offset is None:
            return func.strftime(literal_column("'%Y-%m'"), column)
        return func.strftime(literal_column("'%Y-%m'"), column, offset)

    def list_values(self, column, name: str):
        fn = func.json_array_elements_text if self.pg else func.json_each
        return fn(column).table_valued("value", name=name)

    def score_items(self, column, name: str):
        """(table, key column, 1..5 integer score expression, condition)."""
        if self.pg:
            items = func.json_each_text(column).table_valued("key", "value", name=name)
            valid = items.c.value.in_(["1", "2", "3", "4", "5"])
            return items, items.c.key, case((valid, cast(items.c.value, Integer))), valid
        items = func.json_each(column).table_valued("key", "value", "type", name=name)
        valid = and_(items.c.type == "integer", items.c.value >= 1, items.c.value <= 5)
        return items, items.c.key, items.c.value, valid


def threshold_expr(k: int):
    """k for a session: the configured minimum or the session's own, whichever is larger."""
    return case((GroupSession.min_group_size > k, GroupSession.min_group_size), else_=literal(int(k), Integer))


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


def _mean(total, n) -> float:
    return round(float(total) / n, 2)


# --- sessions held -----------------------------------------------------------------------


def sessions_summary(db: Session, group_ids: list[int], period: Period) -> dict:
    """Sessions held and their hours: each session rounded once, totals summed from those."""
    sql = _Sql(db, period)
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


# --- themes --------------------------------------------------------------------------------


def theme_counts(db: Session, group_ids: list[int], period: Period, viewer: Viewer) -> dict:
    """Themes of the cards shown and tags of the notes this viewer may count, by bucket."""
    sql = _Sql(db, period)
    month = sql.month(GroupSession.started_at)
    themes = sql.list_values(SessionCard.themes, "card_theme")
    card_rows = db.execute(
        select(month, themes.c.value, func.count())
        .select_from(GroupSession)
        .join(SessionCard, SessionCard.session_id == GroupSession.id)
        .join(themes, true())
        .where(held_filter(group_ids, period), SessionCard.shown_at.is_not(None))
        .group_by(month, themes.c.value)
    ).all()
    note_rows = db.execute(
        select(month, NoteTag.tag_id, func.count())
        .select_from(GroupSession)
        .join(Note, Note.session_id == GroupSession.id)
        .join(NoteTag, NoteTag.note_id == Note.id)
        .where(held_filter(group_ids, period), note_scope(viewer))
        .group_by(month, NoteTag.tag_id)
    ).all()
    tags = {}
    tag_ids = {tag_id for _m, tag_id, _n in note_rows}
    if tag_ids:
        tags = {
            tag_id: (slug, label)
            for tag_id, slug, label in db.execute(
                select(ThemeTag.id, ThemeTag.slug, ThemeTag.label).where(ThemeTag.id.in_(tag_ids))
            )
        }
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    labels: dict[str, dict] = {}
    for mon, slug, n in card_rows:
        if isinstance(slug, str) and slug:
            cells[(period.bucket_of(mon), slug)][0] += n
    for mon, tag_id, n in note_rows:
        slug, label = tags[tag_id]
        labels.setdefault(slug, label if isinstance(label, dict) else {})
        cells[(period.bucket_of(mon), slug)][1] += n
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_bucket, slug), (cards, notes) in cells.items():
        totals[slug][0] += cards
        totals[slug][1] += notes
    order = sorted(totals, key=lambda s: (-(totals[s][0] + totals[s][1]), s))
    rank = {slug: i for i, slug in enumerate(order)}
    position = {b: i for i, b in enumerate(period.buckets())}
    ordered_cells = sorted(cells.items(), key=lambda kv: (position.get(kv[0][0], -1), rank[kv[0][1]]))
    return {
        "totals": [
            {"slug": s, "cards": totals[s][0], "notes": totals[s][1], "total": sum(totals[s]),
             "tag_label": labels.get(s)}
            for s in order
        ],
        "cells": [
            {"bucket": b, "slug": s, "cards": c, "notes": n, "total": c + n}
            for (b, s), (c, n) in ordered_cells
        ],
    }


# --- check-ins -------------------------------------------------------------------------------


def _round_scale_cte(db: Session, group_ids: list[int], period: Period, k: int):
    """One row per (closed round, scale): its non-pass answers rating the scale (n), their
    sum, and ``ok`` = 1 when the round qualifies on its own (n >= k for that session).

    The answers are first summed per (round, scale) on their own (read through the
    round_id index), then joined to their round for the month, kind and threshold: the
    per-answer work stays as small as it can be."""
    sql = _Sql(db, period)
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
    month = _Sql(db, period).month(GroupSession.started_at)
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


# --- takeaways and shared notes ----------------------------------------------------------------


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
    sql = _Sql(db, period)
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


# --- attendance and hours ----------------------------------------------------------------------


def _attended(group_ids: list[int], period: Period):
    """(session, roster member) pairs: someone picked their name and was admitted."""
    return (
        select(Participant.session_id.label("session_id"), Participant.roster_member_id.label("member_id"))
        .join(GroupSession, GroupSession.id == Participant.session_id)
        .where(
            held_filter(group_ids, period),
            Participant.status == "admitted",
            Participant.roster_member_id.is_not(None),
        )
        .distinct()
        .subquery("attended")
    )


def period_years(period: Period) -> list[dict]:
    """The calendar years the period touches, each with the part of it inside the period
    (the days of the configured time zone)."""
    return [
        {"year": y, "from": max(period.start, date(y, 1, 1)).isoformat(),
         "to": min(period.end, date(y, 12, 31)).isoformat()}
        for y in range(period.start.year, period.end.year + 1)
    ]


class _Tally:
    """Sessions and hours per person, in all and per calendar year (of the session's
    start in the period's zone): each session's rounded hours, summed."""

    def __init__(self, period: Period, members: list[dict]):
        self.years = [y["year"] for y in period_years(period)]
        self.cells: dict[tuple[int, int | None], list] = defaultdict(lambda: [0, Decimal(0)])
        self.members = members

    def add(self, member_id: int, year: int, h: Decimal) -> None:
        for key in ((member_id, None), (member_id, year)):
            self.cells[key][0] += 1
            self.cells[key][1] += h

    def finish(self) -> None:
        for m in self.members:
            n, h = self.cells.get((m["id"], None), (0, Decimal(0)))
            m["sessions"], m["hours"] = n, float(h)
            m["years"] = []
            for year in self.years:
                n, h = self.cells.get((m["id"], year), (0, Decimal(0)))
                m["years"].append({"year": year, "sessions": n, "hours": float(h)})


def attendance(db: Session, group_ids: list[int], period: Period, *, log: bool = False) -> dict:
    """Per rostered person: sessions attended and hours, in all and per calendar year
    (``years``: each year the period touches, counting only its sessions within the
    period); with ``log`` also one row per held session (who attended) and one row per
    person and session."""
    attended = _attended(group_ids, period)
    members = [
        {"id": member_id, "group_id": group_id, "name": name, "active": bool(active), "sessions": 0, "hours": 0.0}
        for member_id, group_id, name, active in db.execute(
            select(RosterMember.id, RosterMember.group_id, RosterMember.display_name, RosterMember.active)
            .where(RosterMember.group_id.in_(group_ids))
            .order_by(RosterMember.group_id, RosterMember.display_name, RosterMember.id)
        )
    ]
    by_id = {m["id"]: m for m in members}
    tally = _Tally(period, members)
    years = period_years(period)
    if not log:
        # One row per (person, session): each session's hours rounded once, then summed,
        # exactly as the log adds up.
        for member_id, started, ended in db.execute(
            select(attended.c.member_id, GroupSession.started_at, GroupSession.ended_at)
            .join(GroupSession, GroupSession.id == attended.c.session_id)
        ):
            if member_id in by_id:
                tally.add(member_id, period.local(started).year, session_hours(started, ended))
        tally.finish()
        return {"members": members, "years": years}

    # The log: every held session once, then who attended it; totals follow from the log.
    sessions = {}
    for session_id, group_id, started, ended in db.execute(
        select(GroupSession.id, GroupSession.group_id, GroupSession.started_at, GroupSession.ended_at)
        .where(held_filter(group_ids, period))
        .order_by(GroupSession.started_at.desc(), GroupSession.id)
    ):
        h = session_hours(started, ended)
        local_start, local_end = period.local(started), period.local(ended)
        sessions[session_id] = {
            "id": session_id, "group_id": group_id, "date": local_start.date().isoformat(),
            "start": local_start.isoformat(timespec="minutes"), "end": local_end.isoformat(timespec="minutes"),
            "start_utc": started.isoformat(timespec="minutes"), "end_utc": ended.isoformat(timespec="minutes"),
            "hours": float(h), "exact": h, "year": local_start.year, "attendees": [], "others": 0,
        }
    entries = []
    for session_id, member_id in db.execute(select(attended.c.session_id, attended.c.member_id)):
        s, m = sessions.get(session_id), by_id.get(member_id)
        if s is None or m is None:
            continue
        tally.add(member_id, s["year"], s["exact"])
        s["attendees"].append(m["name"])
        entries.append({"member_id": member_id, "name": m["name"], "group_id": s["group_id"], "session_id": session_id,
                        "date": s["date"], "start": s["start"], "end": s["end"], "start_utc": s["start_utc"],
                        "end_utc": s["end_utc"], "hours": s["hours"]})
    tally.finish()
    for session_id, n in db.execute(
        select(Participant.session_id, func.count())
        .join(GroupSession, GroupSession.id == Participant.session_id)
        .where(held_filter(group_ids, period), Participant.status == "admitted", Participant.roster_member_id.is_(None))
        .group_by(Participant.session_id)
    ):
        if session_id in sessions:
            sessions[session_id]["others"] = int(n)
    rows = []
    for s in sessions.values():
        s["attendees"].sort(key=str.casefold)
        s.pop("exact")
        s.pop("year")
        rows.append(s)
    entries.sort(key=lambda e: (e["name"].casefold(), e["member_id"], e["date"], e["session_id"]))
    return {"members": members, "years": years, "sessions": rows, "log": entries}


def group_attendance_summary(db: Session, group_ids: list[int], period: Period) -> dict[int, dict]:
    """Per group: rostered members and person-sessions attended in the period."""
    attended = _attended(group_ids, period)
    roster = dict(
        db.execute(
            select(RosterMember.group_id, func.count())
            .where(RosterMember.group_id.in_(group_ids), RosterMember.active.is_(True))
            .group_by(RosterMember.group_id)
        ).all()
    )
    visits = dict(
        db.execute(
            select(GroupSession.group_id, func.count())
            .select_from(attended)
            .join(GroupSession, GroupSession.id == attended.c.session_id)
            .group_by(GroupSession.group_id)
        ).all()
    )
    return {gid: {"roster": int(roster.get(gid, 0)), "attendances": int(visits.get(gid, 0))} for gid in group_ids}


# --- whole reports -----------------------------------------------------------------------------


GROUP_PARTS = ("sessions", "themes", "checkins", "feelings", "attendance", "takeaways", "shared_notes")


def group_report(db: Session, group: Group, period: Period, viewer: Viewer, k: int,
                 rng: random.Random | None = None, parts: tuple[str, ...] = GROUP_PARTS, lang: str = "en") -> dict:
    """The figures of one group; ``parts`` limits the work to what will be shown; words in ``lang``."""
    ids = [group.id]
    facilitator = db.get(User, group.facilitator_id)
    build = {
        "sessions": lambda: sessions_summary(db, ids, period),
        "themes": lambda: theme_counts(db, ids, period, viewer),
        "checkins": lambda: checkin_trends(db, ids, period, k),
        "feelings": lambda: feeling_words(db, ids, period, k, lang=lang),
        "attendance": lambda: attendance(db, ids, period, log=True),
        "takeaways": lambda: takeaways(db, ids, period, k, rng),
        "shared_notes": lambda: shared_notes(db, ids, period, viewer),
    }
    report = {
        "group": {"id": group.id, "name": group.name, "archived": bool(group.archived),
                  "facilitator": facilitator.display_name if facilitator else ""},
        "period": period.as_dict(),
        "buckets": period.buckets(),
        "min_group_size": k,
    }
    report.update({part: build[part]() for part in parts})
    return report


def overview_report(db: Session, groups: list[Group], period: Period, viewer: Viewer, k: int,
                    lang: str = "en") -> dict:
    ids = [g.id for g in groups]
    sessions = sessions_summary(db, ids, period)
    people = group_attendance_summary(db, ids, period) if ids else {}
    facilitators = {}
    if ids:
        facilitators = dict(db.execute(
            select(User.id, User.display_name).where(User.id.in_({g.facilitator_id for g in groups}))
        ).all())
    rows = []
    for g in groups:
        s = sessions["per_group"].get(g.id, {"held": 0, "hours": 0.0, "last": None})
        p = people.get(g.id, {"roster": 0, "attendances": 0})
        rows.append({
            "id": g.id, "name": g.name, "archived": bool(g.archived),
            "facilitator": facilitators.get(g.facilitator_id, ""),
            "held": s["held"], "hours": s["hours"], "last": s["last"],
            "roster": p["roster"], "attendances": p["attendances"],
            "mean_attendance": round(p["attendances"] / s["held"], 1) if s["held"] else None,
        })
    return {
        "groups": rows,
        "period": period.as_dict(),
        "buckets": period.buckets(),
        "min_group_size": k,
        "sessions": sessions,
        "themes": theme_counts(db, ids, period, viewer) if ids else {"totals": [], "cells": []},
        "checkins": checkin_trends(db, ids, period, k) if ids else [],
        "feelings": feeling_words(db, ids, period, k, lang=lang) if ids else [],
    }
