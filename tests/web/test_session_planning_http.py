"""A session set up ahead: the facilitator gives the date and time the group meets (in
the program's time zone, ``REFLECT_TIMEZONE``), the lists and the console show it, its
code works from the start so the link can go out with the invitation, and the date can
be moved or cleared until the session begins."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from reflect.db import get_session, utcnow
from reflect.models import Group, GroupSession, User
from reflect.rooms import lifecycle
from reflect.prompts.loader import get_builtin
from tests.helpers import csrf, csrf_from, sign_in_as

LA = "America/Los_Angeles"


def _group(app, fac_id: int, name: str = "Tuesday group") -> int:
    with app.app_context():
        db = get_session()
        group = Group(name=name, facilitator_id=fac_id)
        db.add(group)
        db.commit()
        return group.id


def _form(client, group_id: int, **fields) -> dict:
    return {"csrf_token": csrf(client, f"/facilitate/groups/{group_id}"), "title": "Planned",
            "deck": "multiple-perspectives", "scales": ["energy"], "allow_names": "y", "min_group_size": "3",
            **fields}


def _planned(app, client, group_id: int, when: datetime) -> GroupSession:
    """A session made through the group page, planned for ``when`` (wall clock)."""
    response = client.post(f"/facilitate/groups/{group_id}/sessions",
                           data=_form(client, group_id, planned_for=when.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    return _sessions(app)[-1]


def _sessions(app) -> list[GroupSession]:
    with app.app_context():
        return list(get_session().scalars(select(GroupSession).order_by(GroupSession.id)))


def _next_year_local() -> datetime:
    """15:30 on the first Tuesday of January next year (winter: UTC-8 in Los Angeles)."""
    new_year = datetime(utcnow().year + 1, 1, 1, 15, 30)
    return new_year + timedelta(days=(1 - new_year.weekday()) % 7)


def test_a_session_planned_ahead_stores_utc_shows_local_time_and_its_code_works_now(la_app):
    client = la_app.test_client()
    fac_id = sign_in_as(la_app, client, "facilitator", "fac@example.org")
    group_id = _group(la_app, fac_id)
    when = _next_year_local()
    page = client.get(f"/facilitate/groups/{group_id}").get_data(as_text=True)
    assert 'type="datetime-local"' in page and "Times are in America/Los_Angeles." in page

    response = client.post(f"/facilitate/groups/{group_id}/sessions",
                           data=_form(client, group_id, planned_for=when.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    [session] = _sessions(la_app)
    assert session.planned_for == when + timedelta(hours=8)  # stored in UTC
    assert session.phase == "lobby" and session.started_at is None

    console = client.get(f"/facilitate/sessions/{session.id}").get_data(as_text=True)
    assert f"Planned for Tuesday, January {when.day}, {when.year}, 3:30" in console
    assert f'value="{when.strftime("%Y-%m-%dT%H:%M")}"' in console  # the change form starts from it
    listing = client.get(f"/facilitate/groups/{group_id}").get_data(as_text=True)
    assert f"Jan {when.day}, {when.year}, 3:30" in listing
    assert f"Jan {when.day}, {when.year}, 3:30" in client.get("/facilitate").get_data(as_text=True)

    phone = la_app.test_client()  # the link sent with the invitation works before the day
    joined = phone.post("/join", data={"code": session.join_code, "csrf_token": csrf(phone, "/join")})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/join/welcome")
    welcome = phone.get("/join/welcome").get_data(as_text=True)
    phone.post("/join/welcome", data={"csrf_token": csrf_from(welcome), "agree": "yes", "who": "none"})
    # whoever opens the link days early learns when to come back
    assert f"The group meets on Tuesday, January {when.day}, {when.year}, 3:30" in phone.get("/p").get_data(as_text=True)


def test_the_console_shows_the_planned_date_in_spanish(la_app):
    client = la_app.test_client()
    fac_id = sign_in_as(la_app, client, "facilitator", "fac@example.org")
    group_id = _group(la_app, fac_id)
    when = _next_year_local()
    session = _planned(la_app, client, group_id, when)
    console = client.get(f"/facilitate/sessions/{session.id}", headers={"Accept-Language": "es"})
    text = console.get_data(as_text=True)
    assert f"Prevista para el martes, {when.day} de enero de {when.year}, 15:30." in text
    assert "La hora es la de America/Los_Angeles." in text
    phone = la_app.test_client()
    headers = {"Accept-Language": "es"}
    phone.post("/join", data={"code": session.join_code, "csrf_token": csrf(phone, "/join")}, headers=headers)
    welcome = phone.get("/join/welcome", headers=headers).get_data(as_text=True)
    phone.post("/join/welcome", data={"csrf_token": csrf_from(welcome), "agree": "yes", "who": "none"}, headers=headers)
    assert f"El grupo se reúne el martes, {when.day} de enero de {when.year}, 15:30." \
        in phone.get("/p", headers=headers).get_data(as_text=True)


@pytest.mark.parametrize("value, message", [
    ("2020-03-01T10:00", "That date has passed."),
    ("2999-03-01T10:00", "Choose a date within the next two years."),
    ("next tuesday", "Not a valid datetime value."),
])
def test_a_planned_date_long_past_far_off_or_garbled_is_refused_and_creates_nothing(app, value, message):
    client = app.test_client()
    fac_id = sign_in_as(app, client, "facilitator", "fac@example.org")
    group_id = _group(app, fac_id)
    response = client.post(f"/facilitate/groups/{group_id}/sessions", data=_form(client, group_id, planned_for=value))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _sessions(app) == []


def test_without_a_date_the_session_opens_as_before(app):
    client = app.test_client()
    fac_id = sign_in_as(app, client, "facilitator", "fac@example.org")
    group_id = _group(app, fac_id)
    response = client.post(f"/facilitate/groups/{group_id}/sessions", data=_form(client, group_id, planned_for=""))
    assert response.status_code == 302
    [session] = _sessions(app)
    assert session.planned_for is None
    assert "Planned for" not in client.get(f"/facilitate/sessions/{session.id}").get_data(as_text=True)


def test_the_date_can_be_moved_or_cleared_in_the_lobby_and_not_once_begun(la_app):
    app = la_app
    client = app.test_client()
    fac_id = sign_in_as(app, client, "facilitator", "fac@example.org")
    group_id = _group(app, fac_id)
    first, moved = _next_year_local(), _next_year_local() + timedelta(days=7)
    session = _planned(app, client, group_id, first)
    url = f"/facilitate/sessions/{session.id}"

    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/plan", data={"csrf_token": token, "planned_for": moved.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert _sessions(app)[0].planned_for == moved + timedelta(hours=8)
    assert "Date and time saved." in client.get(url).get_data(as_text=True)

    # a refused change shows the console again with the date as typed and the error on the field
    bad = client.post(f"{url}/plan", data={"csrf_token": token, "planned_for": "2020-01-01T09:00"})
    assert bad.status_code == 400 and _sessions(app)[0].planned_for == moved + timedelta(hours=8)
    page = bad.get_data(as_text=True)
    assert 'value="2020-01-01T09:00"' in page and 'aria-invalid="true"' in page
    assert '<details class="plan" open>' in page and "That date has passed." in page

    client.post(f"{url}/plan", data={"csrf_token": token, "planned_for": ""})
    assert _sessions(app)[0].planned_for is None
    assert "The date and time were cleared." in client.get(url).get_data(as_text=True)

    with app.app_context():  # the group has met, then stepped back to the lobby: the date is history
        db = get_session()
        lifecycle.set_phase(db, db.get(GroupSession, session.id), "connect")
        lifecycle.set_phase(db, db.get(GroupSession, session.id), "lobby")
        db.commit()
    client.post(f"{url}/plan", data={"csrf_token": token, "planned_for": moved.strftime("%Y-%m-%dT%H:%M")})
    assert _sessions(app)[0].planned_for is None
    page = client.get(url).get_data(as_text=True)
    assert "That is not possible at this point in the session." in page
    assert 'action="/facilitate/sessions/%d/plan"' % session.id not in page  # no form to change it


def test_a_time_the_clocks_skip_and_a_year_off_the_calendar_are_refused_on_the_field(la_app):
    client = la_app.test_client()
    fac_id = sign_in_as(la_app, client, "facilitator", "fac@example.org")
    group_id = _group(la_app, fac_id)
    year = utcnow().year + 1
    march = datetime(year, 3, 8)  # the second Sunday of March: 02:00-03:00 does not exist in Los Angeles
    spring_forward = march + timedelta(days=(6 - march.weekday()) % 7, hours=2, minutes=30)
    for value, message in ((spring_forward.strftime("%Y-%m-%dT%H:%M"), "That time does not exist in America/Los_Angeles"),
                           ("9999-12-31T23:59", "Choose a date within the next two years."),
                           ("0001-01-01T00:00", "That date has passed.")):
        response = client.post(f"/facilitate/groups/{group_id}/sessions",
                               data=_form(client, group_id, planned_for=value))
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True)
    assert _sessions(la_app) == []
    # with seconds, as some browsers send it, the time is taken
    when = _next_year_local()
    response = client.post(f"/facilitate/groups/{group_id}/sessions",
                           data=_form(client, group_id, planned_for=when.strftime("%Y-%m-%dT%H:%M:%S")))
    assert response.status_code == 302
    assert _sessions(la_app)[0].planned_for == when + timedelta(hours=8)


def test_another_facilitator_cannot_move_the_date(app):
    owner = app.test_client()
    fac_id = sign_in_as(app, owner, "facilitator", "fac@example.org")
    group_id = _group(app, fac_id)
    when = _next_year_local()
    session = _planned(app, owner, group_id, _next_year_local())
    other = app.test_client()
    sign_in_as(app, other, "facilitator", "other@example.org")
    token = csrf(other, "/facilitate")
    response = other.post(f"/facilitate/sessions/{session.id}/plan", data={"csrf_token": token, "planned_for": ""})
    assert response.status_code == 404
    assert _sessions(app)[0].planned_for == when


def test_sessions_are_listed_by_when_they_meet_the_planned_ones_first(app):
    """Newest first by when the group meets: when a session began, else its planned date,
    else when it was made; never simply by when it was made."""
    client = app.test_client()
    fac_id = sign_in_as(app, client, "facilitator", "fac@example.org")
    group_id = _group(app, fac_id)
    now = utcnow()
    with app.app_context():
        db = get_session()
        group, deck = db.get(Group, group_id), get_builtin("multiple-perspectives")
        facilitator = db.get(User, fac_id)
        planned = lifecycle.create_session(db, facilitator, group, deck, title="Next month",
                                           planned_for=now + timedelta(days=30))
        planned.created_at = now - timedelta(days=60)  # made long ago: listed by its date
        held = lifecycle.create_session(db, facilitator, group, deck, title="Held today")
        held.created_at = now - timedelta(days=40)  # set up weeks ago, begun today
        lifecycle.set_phase(db, held, "connect")
        made = lifecycle.create_session(db, facilitator, group, deck, title="Made last week")
        made.created_at = now - timedelta(days=7)  # no date, never begun
        db.commit()
    for page in (f"/facilitate/groups/{group_id}", "/facilitate"):
        text = client.get(page).get_data(as_text=True)
        assert text.index("Next month") < text.index("Held today") < text.index("Made last week"), page
