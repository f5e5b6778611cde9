"""Guessing join codes: wrong codes are limited per address (20 a minute) and overall
(300 a minute across all addresses); right codes are not counted, so a whole group on
one Wi-Fi joins; a code stops working when its session ends.

SQLite only (the ``backend`` fixture): the limits do not depend on the database.
"""
from __future__ import annotations

import secrets

import pytest

from reflect.db import get_session
from reflect.models import GroupSession, Participant, User
from reflect.prompts import get_builtin
from reflect.rooms import groups, lifecycle
from reflect.rooms.codes import ALPHABET, LENGTH
from tests.helpers import csrf, make_user
from tests.security.conftest import join_http


@pytest.fixture
def code(app, backend) -> str:
    user_id = make_user(app, "facilitator", "fac@example.org")
    with app.app_context():
        db = get_session()
        user = db.get(User, user_id)
        group = groups.create_group(db, user, "Wi-Fi group")
        session = lifecycle.create_session(db, user, group, get_builtin("multiple-perspectives"))
        db.commit()
        return session.join_code


def wrong_code(right: str) -> str:
    while True:
        guess = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if guess != right:
            return guess


def browser(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, csrf(client, "/join")


def attempt(client, token: str, code: str, **headers) -> int:
    return client.post("/join", data={"code": code, "csrf_token": token}, headers=headers).status_code


def participants(app) -> int:
    with app.app_context():
        return get_session().query(Participant).count()


def test_wrong_codes_from_one_address_are_stopped_after_twenty_a_minute(app, code):
    client, token = browser(app, "203.0.113.7")
    assert [attempt(client, token, wrong_code(code)) for _ in range(20)] == [400] * 20
    assert attempt(client, token, wrong_code(code)) == 429
    assert attempt(client, token, code) == 429  # the address is blocked for the minute, right code or not
    # a forged X-Forwarded-For does not give a new address (no proxy is trusted by default)
    assert attempt(client, token, wrong_code(code), **{"X-Forwarded-For": "198.51.100.1"}) == 429
    # someone else, at another address, is not affected
    other, other_token = browser(app, "203.0.113.8")
    assert attempt(other, other_token, code) == 302


def test_wrong_codes_across_many_addresses_are_stopped_after_three_hundred_a_minute(app, code):
    statuses = []
    for n in range(15):  # 15 addresses × 20 guesses: each stays under its own limit
        client, token = browser(app, f"198.51.100.{n + 1}")
        statuses += [attempt(client, token, wrong_code(code)) for _ in range(20)]
    assert statuses == [400] * 300
    fresh, token = browser(app, "192.0.2.200")
    assert attempt(fresh, token, wrong_code(code)) == 429
    assert participants(app) == 0


def test_thirty_people_on_one_wifi_all_join_with_the_right_code(app, code):
    client, token = browser(app, "192.0.2.50")
    typos = [attempt(client, token, wrong_code(code)) for _ in range(5)]  # a few typos on the way
    assert typos == [400] * 5
    for n in range(30):
        phone = join_http(app, code, name=f"Person {n}", environ={"REMOTE_ADDR": "192.0.2.50"})
        assert phone.get("/p").status_code == 200
    assert participants(app) == 30
    assert attempt(client, token, code) == 302  # right codes were never counted


def test_codes_are_read_leniently_but_only_whole(app, code):
    client, token = browser(app, "192.0.2.60")
    spaced = f"{code[:4]} {code[4:]}".lower()
    assert attempt(client, token, spaced) == 302
    for near in (code[:-1], code + "A", code[:-1] + ("2" if code[-1] != "2" else "3"), "", " " * 8, "' OR 1=1 --"):
        assert attempt(client, token, near) == 400, near


def test_a_code_stops_working_when_its_session_ends(app, code):
    halfway, token = browser(app, "192.0.2.70")
    assert attempt(halfway, token, code) == 302  # entered the code, not yet through the agreements
    with app.app_context():
        db = get_session()
        session = db.query(GroupSession).one()
        lifecycle.set_phase(db, session, "ended")
        db.commit()
        assert session.join_code is None
    later, token = browser(app, "192.0.2.71")
    assert attempt(later, token, code) == 400
    page = halfway.post("/join/welcome", data={"csrf_token": csrf(halfway, "/join"), "agree": "yes", "who": "none"})
    assert page.status_code == 302 and page.headers["Location"].endswith("/join")
    assert participants(app) == 0
