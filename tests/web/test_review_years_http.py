"""Hours per person and calendar year through the page, the CSV export and the JSON."""
from __future__ import annotations

import re

from tests.web.test_review_http import _csv, world  # noqa: F401  (the shared fixture)


def test_hours_per_person_and_calendar_year_in_page_csv_and_json(app, world):  # noqa: F811
    clients, ids = world
    sup, g = clients["assigned_supervisor"], ids["g"]
    # The fixture's sessions are one and two months ago; a period over two calendar years
    # around them (at most ten years) shows a column per year.
    body = sup.get(f"/api/review/groups/{g}").get_json()
    year = int(body["attendance"]["sessions"][0]["date"][:4])
    query = f"from={year - 1}-01-01&to={year}-12-31"
    body = sup.get(f"/api/review/groups/{g}?{query}").get_json()
    members = {m["name"]: m for m in body["attendance"]["members"]}
    assert body["attendance"]["years"] == [
        {"year": year - 1, "from": f"{year - 1}-01-01", "to": f"{year - 1}-12-31"},
        {"year": year, "from": f"{year}-01-01", "to": f"{year}-12-31"}]
    by_year = {y["year"]: y for y in members["=Ana Formula"]["years"]}
    assert sum(y["hours"] for y in by_year.values()) == members["=Ana Formula"]["hours"] == 2.75
    assert sum(y["sessions"] for y in by_year.values()) == 2

    rows, response = _csv(sup, f"/review/groups/{g}/export/attendance-years.csv?{query}")
    assert response.status_code == 200
    assert list(rows[0]) == ["group_id", "group", "person", "on_roster", "year", "sessions_attended", "hours", "from",
                             "to"]
    ana = [r for r in rows if r["person"] == "'=Ana Formula"]  # a formula is never run
    assert [r["year"] for r in ana] == [str(year - 1), str(year)]
    assert sum(float(r["hours"]) for r in ana) == 2.75
    overview, _ = _csv(sup, f"/review/export/attendance-years.csv?{query}")
    assert {r["person"] for r in overview} == {"'=Ana Formula", "Beatriz Núñez"}

    page = sup.get(f"/review/groups/{g}?{query}").get_data(as_text=True)
    assert f"Hours in {year - 1}" in page and f"Hours in {year}" in page
    assert "attendance-years.csv" in page
    spanish = sup.get(f"/review/groups/{g}?{query}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert f"Horas en {year}" in spanish and "año natural" in spanish
    # One calendar year: the total is that year's, no extra column.
    single = sup.get(f"/review/groups/{g}?from={year}-01-01&to={year}-12-31").get_data(as_text=True)
    assert "Hours in" not in single
    assert re.search(r"attendance-years\.csv", sup.get(f"/review/?{query}").get_data(as_text=True))
