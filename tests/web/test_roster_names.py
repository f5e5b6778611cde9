"""A regular member's name can be corrected without starting a new person: their
attendance (and so their hours) stays on the same roster row."""
from __future__ import annotations

from sqlalchemy import select

from reflect.db import get_session
from reflect.models import Group, Participant, RosterMember, User
from reflect.prompts import get_builtin
from reflect.rooms import groups, lifecycle
from tests.helpers import csrf, sign_in_as


def _group_with_attendance(app, user_id):
    with app.app_context():
        db = get_session()
        group = groups.create_group(db, db.get(User, user_id), "Tuesday", ["Ana Lopez", "Beto"])
        session = lifecycle.create_session(db, db.get(User, user_id), group, get_builtin("multiple-perspectives"))
        ana = next(m for m in group.roster if m.display_name == "Ana Lopez")
        db.add(Participant(session_id=session.id, token_hash="t" * 64, display_name="Ana Lopez",
                           roster_member_id=ana.id))
        db.commit()
        return group.id, ana.id


def test_correcting_a_name_keeps_the_same_person_and_their_attendance(app):
    client = app.test_client()
    user_id = sign_in_as(app, client, "facilitator", "fac@example.org")
    group_id, ana_id = _group_with_attendance(app, user_id)
    page = client.get(f"/facilitate/groups/{group_id}").get_data(as_text=True)
    assert f'for="member-{ana_id}"' in page and "Name of Ana Lopez" in page

    response = client.post(f"/facilitate/groups/{group_id}/members/{ana_id}/name",
                           data={"name": "  Ana   López ", "csrf_token": csrf(client, f"/facilitate/groups/{group_id}")})
    assert response.status_code == 302
    with app.app_context():
        db = get_session()
        members = db.scalars(select(RosterMember).where(RosterMember.group_id == group_id)).all()
        assert sorted(m.display_name for m in members) == ["Ana López", "Beto"]  # renamed, not a new row
        assert all(m.active for m in members)
        attended = db.scalars(select(Participant.roster_member_id)).all()
        assert attended == [ana_id]
    assert "Ana López" in client.get(f"/facilitate/groups/{group_id}").get_data(as_text=True)


def test_a_name_taken_or_empty_is_refused_and_changes_nothing(app):
    client = app.test_client()
    user_id = sign_in_as(app, client, "facilitator", "fac@example.org")
    group_id, ana_id = _group_with_attendance(app, user_id)
    token = csrf(client, f"/facilitate/groups/{group_id}")
    for name in ("Beto", "   "):
        response = client.post(f"/facilitate/groups/{group_id}/members/{ana_id}/name",
                               data={"name": name, "csrf_token": token}, follow_redirects=True)
        assert response.status_code == 200
        assert ("already has that name" in response.get_data(as_text=True)) == (name == "Beto")
    with app.app_context():
        assert get_session().get(RosterMember, ana_id).display_name == "Ana Lopez"


def test_another_groups_member_cannot_be_renamed_through_this_group(app):
    client = app.test_client()
    user_id = sign_in_as(app, client, "facilitator", "fac@example.org")
    group_id, _ana = _group_with_attendance(app, user_id)
    with app.app_context():
        db = get_session()
        other = groups.create_group(db, db.get(User, user_id), "Thursday", ["Carla"])
        db.commit()
        carla = other.roster[0].id
    response = client.post(f"/facilitate/groups/{group_id}/members/{carla}/name",
                           data={"name": "Someone", "csrf_token": csrf(client, f"/facilitate/groups/{group_id}")})
    assert response.status_code == 404
    with app.app_context():
        assert get_session().get(RosterMember, carla).display_name == "Carla"
        assert get_session().scalar(select(Group.name).where(Group.id == group_id)) == "Tuesday"
