"""Hours add up: each session is rounded to 0.01 h once, and every total (a person's, a
period's, a group's, the overview's) is the sum of those, so the attendance log and the
session list always add up to the totals beside them. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from reflect.review.stats.attendance import attendance
from reflect.review.stats.periods import Period
from reflect.review.stats.sessions import sessions_summary
from tests.unit.test_review_stats import PERIOD, attend, group, held, member, user


def test_every_total_is_the_sum_of_its_sessions_rounded_hours(db):
    g = group(db, user(db, "facilitator"))
    ana = member(db, g, "Ana")
    # 61 minutes = 1.0166… h, shown as 1.02 h; three of them are 3.05 h exactly, but the
    # log shows three rows of 1.02 h: the total must say 3.06, not 3.05.
    sessions = [held(db, g, datetime(2025, month, 10, 17), minutes=61) for month in (1, 2, 2)]
    for s in sessions:
        attend(db, s, ana)
    report = attendance(db, [g.id], PERIOD, log=True)
    rows = [e["hours"] for e in report["log"]]
    assert rows == [1.02, 1.02, 1.02]
    total = sum(Decimal(str(h)) for h in rows)
    assert report["members"][0]["hours"] == float(total) == 3.06
    assert sum(Decimal(str(s["hours"])) for s in report["sessions"]) == total
    # the per-person export across groups (no log) adds up the same way
    assert attendance(db, [g.id], PERIOD)["members"][0]["hours"] == 3.06
    summary = sessions_summary(db, [g.id], PERIOD)
    assert summary["hours"] == 3.06 and summary["per_group"][g.id]["hours"] == 3.06
    assert sum(Decimal(str(b["hours"])) for b in summary["by_bucket"]) == Decimal("3.06")
    quarters = sessions_summary(db, [g.id], Period(PERIOD.start, PERIOD.end, "quarter"))
    assert [b["hours"] for b in quarters["by_bucket"]] == [3.06, 0.0, 0.0, 0.0]
