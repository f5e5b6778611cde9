"""``REFLECT_TIMEZONE`` through the pages, exports and JSON: the period's days, the
default "today", the attendance log's dates and local times (the UTC columns kept)."""
from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime, timedelta

import pytest

from reflect.db import get_session
from reflect.models import Group, GroupSession, Participant, RosterMember, SupervisorAssignment
from tests.conftest import make_test_app
from tests.helpers import sign_in_as

LA = "America/Los_Angeles"
NEW_YEARS_EVE = datetime(2026, 1, 1, 2, 0)  # 18:00 on 31 December 2025 in Los Angeles


@pytest.fixture
def la_world(la_app):
    sup = la_app.test_client()
    sup_id = sign_in_as(la_app, sup, "supervisor", "sup@example.org")
    fac_id = sign_in_as(la_app, la_app.test_client(), "facilitator", "fac@example.org")
    with la_app.app_context():
        db = get_session()
        g = Group(name="Pacific group", facilitator_id=fac_id)
        db.add(g)
        db.flush()
        db.add(SupervisorAssignment(group_id=g.id, user_id=sup_id))
        ana = RosterMember(group_id=g.id, display_name="Ana")
        db.add(ana)
        db.flush()
        s = GroupSession(group_id=g.id, facilitator_id=fac_id, deck_id="use-of-self", phase="ended", min_group_size=3,
                         started_at=NEW_YEARS_EVE, ended_at=NEW_YEARS_EVE + timedelta(minutes=90))
        db.add(s)
        db.flush()
        db.add(Participant(session_id=s.id, token_hash=secrets.token_hex(32), display_name="Ana",
                           roster_member_id=ana.id, status="admitted"))
        db.commit()
        return sup, g.id


def test_the_period_dates_and_the_log_are_in_the_configured_zone(la_world):
    sup, gid = la_world
    december = "from=2025-12-01&to=2025-12-31"
    body = sup.get(f"/api/review/groups/{gid}?{december}").get_json()
    assert body["period"]["timezone"] == LA
    assert body["sessions"]["held"] == 1 and body["sessions"]["by_bucket"] == [
        {"bucket": "2025-12", "held": 1, "hours": 1.5}]
    assert body["attendance"]["sessions"][0] | {"attendees": None} == {
        "id": body["attendance"]["sessions"][0]["id"], "date": "2025-12-31", "start": "2025-12-31T18:00",
        "end": "2025-12-31T19:30", "start_utc": "2026-01-01T02:00", "end_utc": "2026-01-01T03:30", "hours": 1.5,
        "attendees": None, "others": 0}
    january = sup.get(f"/api/review/groups/{gid}?from=2026-01-01&to=2026-01-31").get_json()
    assert january["sessions"]["held"] == 0

    text = sup.get(f"/review/groups/{gid}/export/attendance-log.csv?{december}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [{"group_id": str(gid), "group": "Pacific group", "person": "Ana", "date": "2025-12-31",
                     "start_utc": "2026-01-01T02:00", "end_utc": "2026-01-01T03:30", "hours": "1.50",
                     "start_local": "2025-12-31T18:00", "end_local": "2025-12-31T19:30", "timezone": LA}]
    page = sup.get(f"/review/groups/{gid}?{december}").get_data(as_text=True)
    assert f"Time ({LA})" in page and "18:00–19:30" in page and "2025-12-31" in page
    spanish = sup.get(f"/review/groups/{gid}?{december}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert f"Hora ({LA})" in spanish
    report = sup.get(f"/review/groups/{gid}/report?{december}").get_data(as_text=True)
    assert f" {LA}</dd>" in report


def test_the_default_period_ends_today_in_the_zone(la_world, monkeypatch):
    sup, gid = la_world
    import reflect.review.views as views

    monkeypatch.setattr(views, "utcnow", lambda: NEW_YEARS_EVE + timedelta(hours=3))  # 21:00 on 31 Dec in LA
    body = sup.get(f"/api/review/groups/{gid}").get_json()
    assert body["period"] == {"from": "2025-01-01", "to": "2025-12-31", "by": "month", "timezone": LA}
    assert body["sessions"]["held"] == 1
    page = sup.get(f"/review/groups/{gid}").get_data(as_text=True)
    assert 'value="2025-12-31"' in page


def test_an_unknown_zone_stops_the_app_at_start_up(database_url, tmp_path):
    from reflect.config import ConfigError

    with pytest.raises(ConfigError, match="REFLECT_TIMEZONE"):
        make_test_app(database_url, tmp_path / "instance", REFLECT_TIMEZONE="Pacific/Atlantis")
