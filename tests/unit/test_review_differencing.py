"""The minimum group size against differencing across periods and groups.

A reader of the review (a supervisor, the admin, the JSON or CSV export) can ask for any
period, pooled by month, by quarter or as one, for one group or for the overview of
several. Taking two answers where one covers the other (a quarter and one of its
months, two overlapping custom periods, a group and the overview) and subtracting, the
difference must never be a number of answers between 1 and k-1: every unit an aggregate
adds is a whole check-in round of at least k answers (``review/stats/min_group_size.py``).

The test builds a year of sessions for two groups, with rounds above and below the
threshold, passes, scales rated by some only, sessions with a threshold of their own,
sessions near the edges of months, asks for every view, and subtracts every pair of
nested cells it got: means (opening, closing), the change within a session, and the
feeling words. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
import random
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reflect.review.stats.checkins import checkin_trends, feeling_words
from reflect.review.stats.periods import WHOLE_PERIOD, Period
from reflect.review.stats.report import group_report, overview_report
from reflect.review.stats.scope import Viewer
from tests.unit.test_review_stats import group, held, rnd, user

K = 3
YEAR = 2025
SCALES = ("energy", "supported", "weight")
FEELINGS = ("tired", "calm", "hopeful", "worried", "curious", "drained")


@dataclass(frozen=True)
class Cell:
    groups: frozenset
    start: date
    end: date
    what: str  # "<scale>/<kind>" or "words"
    n: int


def _bucket_range(bucket: str, period: Period) -> tuple[date, date]:
    if bucket == WHOLE_PERIOD:
        return period.start, period.end
    year, part = bucket.split("-")
    if part.startswith("Q"):
        first = (int(part[1]) - 1) * 3 + 1
        start, end = date(int(year), first, 1), date(int(year), first + 2, monthrange(int(year), first + 2)[1])
    else:
        start, end = date(int(year), int(part), 1), date(int(year), int(part), monthrange(int(year), int(part))[1])
    return max(start, period.start), min(end, period.end)


def _year(db, rng: random.Random):
    fac = user(db, "facilitator")
    groups = [group(db, fac, "North"), group(db, fac, "South")]
    for g in groups:
        for month in range(1, 13):
            for _ in range(rng.randrange(0, 3)):
                last = monthrange(YEAR, month)[1]
                day = rng.choice([1, 2, 15, last - 1, last])
                started = datetime(YEAR, month, day, rng.choice([0, 9, 18, 23]), 30)
                s = held(db, g, started, min_group_size=rng.choice([K, K, K + 1]))
                for kind in ("opening", "closing"):
                    if rng.random() < 0.15:
                        continue
                    answers = []
                    for _person in range(rng.randrange(1, 7)):
                        if rng.random() < 0.15:
                            answers.append(None)  # a pass
                            continue
                        scores = {scale: rng.randrange(1, 6) for scale in SCALES if rng.random() < 0.8}
                        feeling = rng.choice(FEELINGS) if rng.random() < 0.6 else None
                        answers.append((scores, feeling))
                    rnd(db, s, kind, answers)
    return groups


def _cells(db, ids: list[int], period: Period) -> list[Cell]:
    out = []
    for trend in checkin_trends(db, ids, period, K):
        for row in trend["rows"] + [trend["total"]]:
            start, end = _bucket_range(row["bucket"], period)
            for kind in ("opening", "closing", "change"):
                cell = row[kind]
                if cell["status"] == "ok":
                    out.append(Cell(frozenset(ids), start, end, f"{trend['scale']}/{kind}", cell["n"]))
                    if kind != "change":  # a shown cell is never below the threshold
                        assert cell["n"] >= K, cell
    words = sum(w["count"] for w in feeling_words(db, ids, period, K, limit=1000))
    out.append(Cell(frozenset(ids), period.start, period.end, "words", words))
    return out


def _periods(rng: random.Random) -> list[Period]:
    year = Period(date(YEAR, 1, 1), date(YEAR, 12, 31), "month")
    periods = [year, Period(year.start, year.end, "quarter"), Period(year.start, year.end, "period")]
    for month in range(1, 13):  # each month on its own, and each pair of adjacent months
        end = date(YEAR, month, monthrange(YEAR, month)[1])
        periods.append(Period(date(YEAR, month, 1), end, "period"))
        if month < 12:
            periods.append(Period(date(YEAR, month, 1), date(YEAR, month + 1, monthrange(YEAR, month + 1)[1]),
                                        "month"))
    for quarter in range(4):
        first = date(YEAR, quarter * 3 + 1, 1)
        periods.append(Period(first, date(YEAR, quarter * 3 + 3, monthrange(YEAR, quarter * 3 + 3)[1]),
                                    "period"))
    for _ in range(24):  # overlapping custom periods, edges anywhere
        a, b = sorted(rng.sample(range(365), 2))
        for by in ("period", "month"):
            periods.append(Period(date(YEAR, 1, 1) + timedelta(days=a), date(YEAR, 1, 1) + timedelta(days=b), by))
    return periods


def test_no_pair_of_nested_views_differs_by_fewer_than_k_answers(db):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    groups = _year(db, rng)
    views = [[g.id] for g in groups] + [[g.id for g in groups]]  # each group, and the overview of both
    cells = [cell for ids in views for period in _periods(rng) for cell in _cells(db, ids, period)]
    by_what: dict[str, list[Cell]] = {}
    for cell in cells:
        by_what.setdefault(cell.what, []).append(cell)
    pairs = 0
    for what, same in by_what.items():
        for big, small in itertools.permutations(same, 2):
            if not (big.groups >= small.groups and big.start <= small.start and small.end <= big.end):
                continue
            pairs += 1
            difference = big.n - small.n
            assert difference == 0 or difference >= K, (
                f"seed {seed}: {what} {sorted(big.groups)} {big.start}..{big.end} = {big.n} minus "
                f"{sorted(small.groups)} {small.start}..{small.end} = {small.n} leaves {difference}")
    assert pairs > 1000, pairs


def test_a_groups_report_and_the_overview_count_the_same_rounds(db):
    """The overview's figures come from the same qualifying rounds as each group's: for
    the whole year, the overview's count is the sum of the groups'."""
    rng = random.Random()
    groups = _year(db, rng)
    year = Period(date(YEAR, 1, 1), date(YEAR, 12, 31), "period")
    viewer = Viewer(user_id=0, role="admin")
    overview = overview_report(db, groups, year, viewer, K)
    each = [group_report(db, g, year, viewer, K) for g in groups]

    def total(report, scale, kind):
        trend = next((t for t in report["checkins"] if t["scale"] == scale), None)
        cell = trend["total"][kind] if trend else {"status": "none"}
        return cell.get("n", 0) if cell["status"] == "ok" else 0

    for scale, kind in itertools.product(SCALES, ("opening", "closing", "change")):
        assert total(overview, scale, kind) == sum(total(r, scale, kind) for r in each), (scale, kind)
    assert sum(w["count"] for w in overview["feelings"]) == sum(w["count"] for r in each for w in r["feelings"])
