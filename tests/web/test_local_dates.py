"""The facilitator's pages show dates in the program's time zone (``REFLECT_TIMEZONE``),
as the review counts its days."""
from __future__ import annotations

from datetime import datetime


from reflect.db import get_session
from reflect.models import Group, GroupSession
from tests.helpers import sign_in_as

NEW_YEARS_EVE = datetime(2026, 1, 1, 2, 0)  # UTC: 18:00 on 31 December 2025 in Los Angeles


def test_the_summary_and_the_session_list_date_a_session_in_the_programs_zone(la_app):
    client = la_app.test_client()
    fac_id = sign_in_as(la_app, client, "facilitator", "fac@example.org")
    with la_app.app_context():
        db = get_session()
        group = Group(name="Pacific group", facilitator_id=fac_id)
        db.add(group)
        db.flush()
        session = GroupSession(group_id=group.id, facilitator_id=fac_id, deck_id="multiple-perspectives",
                               title="Evening", phase="ended", created_at=NEW_YEARS_EVE,
                               started_at=NEW_YEARS_EVE, ended_at=datetime(2026, 1, 1, 3, 30))
        db.add(session)
        db.commit()
        group_id, session_id = group.id, session.id
    summary = client.get(f"/facilitate/sessions/{session_id}/summary").get_data(as_text=True)
    assert "Dec 31, 2025" in summary and "Jan 1, 2026" not in summary
    listing = client.get(f"/facilitate/groups/{group_id}").get_data(as_text=True)
    assert "Dec 31, 2025" in listing
