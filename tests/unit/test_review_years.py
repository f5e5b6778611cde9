"""Per person, the hours of each calendar year (in the configured time zone) within the
period, beside the period's total: "12 hours this year?" without a spreadsheet. Runs on
SQLite and PostgreSQL (the ``db`` fixture)."""
from __future__ import annotations

from datetime import date, datetime

from reflect.review.stats.attendance import attendance
from reflect.review.stats.periods import Period
from tests.unit.test_review_stats import attend, group, held, member, user

LA = "America/Los_Angeles"


def test_each_member_has_hours_per_calendar_year_in_the_zone(db):
    g = group(db, user(db, "facilitator"))
    ana, bea = member(db, g, "Ana"), member(db, g, "Bea")
    december = held(db, g, datetime(2024, 12, 10, 18), minutes=90)
    # 18:00 on 31 December 2024 in Los Angeles: 2024's, though it is 2025 in UTC.
    new_years_eve = held(db, g, datetime(2025, 1, 1, 2, 0), minutes=90)
    march = held(db, g, datetime(2025, 3, 10, 18), minutes=61)
    for s in (december, new_years_eve, march):
        attend(db, s, ana)
    attend(db, march, bea)
    period = Period(date(2024, 12, 1), date(2025, 11, 30), "month", LA)
    for log in (True, False):
        result = attendance(db, [g.id], period, log=log)
        assert result["years"] == [{"year": 2024, "from": "2024-12-01", "to": "2024-12-31"},
                                   {"year": 2025, "from": "2025-01-01", "to": "2025-11-30"}]
        people = {m["name"]: (m["sessions"], m["hours"], m["years"]) for m in result["members"]}
        assert people == {
            "Ana": (3, 4.02, [{"year": 2024, "sessions": 2, "hours": 3.0}, {"year": 2025, "sessions": 1, "hours": 1.02}]),
            "Bea": (1, 1.02, [{"year": 2024, "sessions": 0, "hours": 0.0}, {"year": 2025, "sessions": 1, "hours": 1.02}]),
        }
    # In UTC the New Year's Eve session is 2025's.
    utc = attendance(db, [g.id], Period(date(2024, 12, 1), date(2025, 11, 30)))
    assert utc["members"][0]["years"] == [{"year": 2024, "sessions": 1, "hours": 1.5},
                                          {"year": 2025, "sessions": 2, "hours": 2.52}]
