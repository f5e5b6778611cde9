"""The review counts days, months, quarters and years in the configured time zone
(``REFLECT_TIMEZONE``), not in UTC: a 6 pm Pacific session on 31 December is December's,
and that year's. Runs on SQLite and PostgreSQL (the ``db`` fixture)."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from reflect import config as settings
from reflect.local_time import local_today, to_local
from reflect.review.stats.attendance import attendance
from reflect.review.stats.checkins import checkin_trends
from reflect.review.stats.periods import Period, make_period
from reflect.review.stats.scope import Viewer
from reflect.review.stats.sessions import sessions_summary
from reflect.review.stats.shared_notes import shared_notes
from reflect.review.stats.takeaways import takeaways
from reflect.review.stats.themes import theme_counts
from tests.unit.test_review_stats import K, attend, card, e, group, held, member, note, rnd, takeaway, user

LA = "America/Los_Angeles"
YEAR_2025 = Period(date(2025, 1, 1), date(2025, 12, 31), "month", LA)

# 18:00 on 31 December 2025 in Los Angeles (PST, UTC-8) is 02:00 on 1 January 2026 in UTC.
NEW_YEARS_EVE = datetime(2026, 1, 1, 2, 0)


def test_a_late_session_on_new_years_eve_belongs_to_december_and_its_year(db):
    fac = user(db, "facilitator")
    g = group(db, fac)
    ana = member(db, g, "Ana")
    s = held(db, g, NEW_YEARS_EVE, minutes=90)
    attend(db, s, ana)
    card(db, s, ["parallel-process"])
    note(db, s, fac, "shared", ["linking"], shared=True)
    rnd(db, s, "opening", [e(3)] * K)
    for text in ("one", "two", "three"):
        takeaway(db, s, text)

    summary = sessions_summary(db, [g.id], YEAR_2025)
    assert summary["held"] == 1 and summary["per_group"][g.id]["last"] == "2025-12-31"
    assert [b["bucket"] for b in summary["by_bucket"] if b["held"]] == ["2025-12"]
    themes = theme_counts(db, [g.id], YEAR_2025, Viewer(fac.id, "facilitator"))
    assert {c["bucket"] for c in themes["cells"]} == {"2025-12"}
    energy = next(t for t in checkin_trends(db, [g.id], YEAR_2025, K) if t["scale"] == "energy")
    assert [r["bucket"] for r in energy["rows"] if r["opening"]["status"] == "ok"] == ["2025-12"]
    assert {t["month"] for t in takeaways(db, [g.id], YEAR_2025, K)} == {"2025-12"}
    assert [n["date"] for n in shared_notes(db, [g.id], YEAR_2025, Viewer(fac.id, "facilitator"))] == [
        "2025-12-31"]
    log = attendance(db, [g.id], YEAR_2025, log=True)
    assert [(r["date"], r["start"], r["end"], r["start_utc"], r["end_utc"]) for r in log["log"]] == [
        ("2025-12-31", "2025-12-31T18:00", "2025-12-31T19:30", "2026-01-01T02:00", "2026-01-01T03:30")]
    assert log["sessions"][0]["date"] == "2025-12-31"
    assert attendance(db, [g.id], YEAR_2025)["members"][0]["hours"] == 1.5

    # The from/to days are Los Angeles days: January 2026 there does not hold it.
    january = Period(date(2026, 1, 1), date(2026, 1, 31), "month", LA)
    assert sessions_summary(db, [g.id], january)["held"] == 0
    assert attendance(db, [g.id], january)["members"][0]["sessions"] == 0
    # In UTC (the default) it is January's, as before.
    utc = Period(date(2026, 1, 1), date(2026, 1, 31), "month")
    assert sessions_summary(db, [g.id], utc)["held"] == 1


def test_summer_and_winter_offsets_both_apply_within_one_period(db):
    g = group(db, user(db, "facilitator"))
    # 00:30 PDT (UTC-7) on 1 August: August, though 07:30 UTC minus 8 hours would be July.
    held(db, g, datetime(2025, 8, 1, 7, 30))
    # 23:30 PST (UTC-8) on 31 January: January, though minus 7 hours would be February.
    held(db, g, datetime(2025, 2, 1, 7, 30))
    # Just before and after the autumn change (2 November 2025, 09:00 UTC).
    held(db, g, datetime(2025, 11, 2, 8, 59, 59))
    held(db, g, datetime(2025, 11, 2, 9, 0, 0))
    counts = {b["bucket"]: b["held"] for b in sessions_summary(db, [g.id], YEAR_2025)["by_bucket"] if b["held"]}
    assert counts == {"2025-01": 1, "2025-08": 1, "2025-11": 2}
    quarters = Period(YEAR_2025.start, YEAR_2025.end, "quarter", LA)
    counts = {b["bucket"]: b["held"] for b in sessions_summary(db, [g.id], quarters)["by_bucket"]}
    assert counts == {"2025-Q1": 1, "2025-Q2": 0, "2025-Q3": 1, "2025-Q4": 2}


@pytest.mark.parametrize("tz", [LA, "Asia/Kolkata", "Australia/Sydney", "America/Santiago", "Europe/London", "UTC"])
def test_the_database_months_match_pythons_for_any_zone(db, tz):
    """Random sessions over two years, many near midnight: the months the database
    groups by are the months Python's time-zone database gives for each session."""
    g = group(db, user(db, "facilitator"))
    rng = random.Random(tz)
    starts = []
    for _ in range(150):
        day = datetime(2024, 1, 1) + timedelta(days=rng.randrange(731))
        starts.append(day + timedelta(hours=rng.choice([0, 1, 5, 6, 7, 8, 12, 13, 14, 22, 23]),
                                      minutes=rng.choice([0, 29, 30, 59])))
    for start in starts:
        held(db, g, start, minutes=60)
    period = Period(date(2024, 1, 1), date(2025, 12, 31), "month", tz)
    wanted = Counter()
    for start in starts:
        local = to_local(start, tz)
        if date(2024, 1, 1) <= local.date() <= date(2025, 12, 31):
            wanted[f"{local:%Y-%m}"] += 1
    got = {b["bucket"]: b["held"] for b in sessions_summary(db, [g.id], period)["by_bucket"] if b["held"]}
    assert got == dict(wanted)


def test_today_and_the_period_boundaries_are_in_the_zone():
    assert local_today(LA, NEW_YEARS_EVE) == date(2025, 12, 31)
    assert local_today("UTC", NEW_YEARS_EVE) == date(2026, 1, 1)
    p = make_period(None, None, None, local_today(LA, NEW_YEARS_EVE), LA)
    assert (p.start, p.end, p.tz) == (date(2025, 1, 1), date(2025, 12, 31), LA)
    assert p.start_at == datetime(2025, 1, 1, 8, 0) and p.end_before == datetime(2026, 1, 1, 8, 0)
    summer = Period(date(2025, 7, 1), date(2025, 7, 31), "month", LA)
    assert summer.start_at == datetime(2025, 7, 1, 7, 0)
    assert p.as_dict() == {"from": "2025-01-01", "to": "2025-12-31", "by": "month", "timezone": LA}


def test_the_time_zone_setting_is_checked_at_start_up():
    env = settings.from_environment({})
    assert env["REFLECT_TIMEZONE"] == "UTC"
    settings.check(env)
    assert settings.from_environment({"REFLECT_TIMEZONE": LA})["REFLECT_TIMEZONE"] == LA
    settings.check(dict(env, REFLECT_TIMEZONE=LA))
    for bad in ("Mars/Olympus_Mons", "America", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "PST8PDT "):
        with pytest.raises(settings.ConfigError, match="REFLECT_TIMEZONE"):
            settings.check(dict(env, REFLECT_TIMEZONE=bad))
