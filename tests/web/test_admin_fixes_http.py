"""The people page and first run, through HTTP: an account's state is set, not toggled;
one-time links are shown once after a redirect; no link for a deactivated account; the
first-run link is created once, logged as a path and the page is rate limited."""
from __future__ import annotations

import logging
import re

from sqlalchemy import func, select

from reflect.db import get_session
from reflect.models import AuditEvent, PasswordToken, User
from tests.helpers import PASSWORD, csrf, csrf_from, login, make_user, sign_in_as

LINK_RE = re.compile(r'id="password-link"[^>]*value="http://localhost(/password/[^"]+)"')


def _user(app, user_id: int) -> User:
    with app.app_context():
        db = get_session()
        user = db.get(User, user_id)
        db.expunge(user)
        return user


def _count(app, query) -> int:
    with app.app_context():
        return get_session().scalar(query)


def _actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(get_session().scalars(
            select(AuditEvent.action).where(AuditEvent.target == f"user:{user_id}").order_by(AuditEvent.id)))


# --- 1. deactivate twice: still deactivated -------------------------------------------------

def test_deactivating_twice_leaves_the_account_deactivated(app, client):
    sign_in_as(app, client, "admin")
    uid = make_user(app, "facilitator", "f@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    token = csrf_from(page)
    # what the page sends: the state wanted, not "the other one"
    assert re.search(rf'/admin/users/{uid}/active".*?name="active" value="0"', page, re.S)
    for _ in range(2):  # a double click, a resubmitted form, a second admin's stale page
        assert client.post(f"/admin/users/{uid}/active", data={"csrf_token": token, "active": "0"}).status_code == 302
    assert _user(app, uid).active is False
    assert _actions(app, uid).count("user_deactivated") == 1 and "user_activated" not in _actions(app, uid)
    page = client.get("/admin/users").get_data(as_text=True)
    assert re.search(rf'/admin/users/{uid}/active".*?name="active" value="1"', page, re.S)

    assert client.post(f"/admin/users/{uid}/active", data={"csrf_token": token, "active": "1"}).status_code == 302
    assert client.post(f"/admin/users/{uid}/active", data={"csrf_token": token, "active": "1"}).status_code == 302
    assert _user(app, uid).active is True and _actions(app, uid).count("user_activated") == 1


def test_a_state_change_without_the_state_wanted_is_refused(app, client):
    sign_in_as(app, client, "admin")
    uid = make_user(app, "facilitator", "f@example.org")
    token = csrf(client, "/admin/users")
    for data in ({}, {"active": "toggle"}):
        assert client.post(f"/admin/users/{uid}/active", data={"csrf_token": token, **data}).status_code == 400
    assert _user(app, uid).active is True and "user_deactivated" not in _actions(app, uid)


# --- 5. post, redirect, show the link once ---------------------------------------------------

def test_a_new_accounts_link_is_shown_once_after_a_redirect(app, client):
    sign_in_as(app, client, "admin")
    response = client.post("/admin/users", data={"csrf_token": csrf(client, "/admin/users"),
                                                 "email": "new@example.org", "display_name": "New",
                                                 "role": "facilitator"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    page = client.get("/admin/users").get_data(as_text=True)
    link = LINK_RE.search(page).group(1)
    assert "Account created" in page
    again = client.get("/admin/users").get_data(as_text=True)  # a reload: no new account, no link
    assert not LINK_RE.search(again) and "already has an account" not in again
    assert _count(app, select(func.count()).select_from(PasswordToken)) == 1
    newcomer = app.test_client()
    form = newcomer.get(link).get_data(as_text=True)
    assert newcomer.post(link, data={"csrf_token": csrf_from(form), "password": PASSWORD,
                                     "confirm": PASSWORD}).status_code == 302


def test_reloading_after_a_reset_keeps_the_link_already_sent(app, client):
    sign_in_as(app, client, "admin")
    uid = make_user(app, "facilitator", "f@example.org")
    token = csrf(client, "/admin/users")
    response = client.post(f"/admin/users/{uid}/reset", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    link = LINK_RE.search(client.get("/admin/users").get_data(as_text=True)).group(1)
    assert not LINK_RE.search(client.get("/admin/users").get_data(as_text=True))
    assert _actions(app, uid).count("password_link_issued") == 1
    person = app.test_client()
    assert person.get(link).status_code == 200  # the link sent still opens


# --- 6. no link for a deactivated account ----------------------------------------------------

def test_no_password_link_for_a_deactivated_account(app, client):
    sign_in_as(app, client, "admin")
    uid = make_user(app, "facilitator", "f@example.org")
    token = csrf(client, "/admin/users")
    client.post(f"/admin/users/{uid}/active", data={"csrf_token": token, "active": "0"})
    page = client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{uid}/reset" not in page and "Activate the account to send a password link" in page
    response = client.post(f"/admin/users/{uid}/reset", data={"csrf_token": token}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "This account is deactivated" in text and not LINK_RE.search(text)
    assert _count(app, select(func.count()).select_from(PasswordToken)) == 0
    assert "password_link_issued" not in _actions(app, uid)
    spanish = client.post(f"/admin/users/{uid}/reset", data={"csrf_token": token}, follow_redirects=True,
                          headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Esta cuenta está desactivada" in spanish


# --- 2. first run: created once, a path in the log, rate limited -----------------------------

def _setup_links(text: str) -> list[str]:
    return re.findall(r"(\S*/setup\?token=\S+)", text)


def test_opening_the_first_run_page_again_keeps_the_logged_link(client, caplog):
    with caplog.at_level(logging.WARNING, logger="reflect.auth"):
        first = client.get("/setup", headers={"Host": "evil.example"})
        for _ in range(3):  # anyone, any number of times
            again = client.get("/setup")
    assert first.status_code == 200 and again.status_code == 200
    links = _setup_links(caplog.text)
    assert len(links) == 1, caplog.text  # logged when created, never replaced
    assert links[0].startswith("/setup?token=") and "evil.example" not in caplog.text  # a path, not the Host
    assert "reflect setup-token" in again.get_data(as_text=True)
    token = links[0].split("=", 1)[1]
    form = client.get(f"/setup?token={token}").get_data(as_text=True)
    response = client.post("/setup", data={"csrf_token": csrf_from(form), "token": token,
                                           "email": "admin@example.org", "display_name": "Ada",
                                           "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert login(client, "admin@example.org").status_code == 302


def test_the_first_run_page_is_rate_limited(client):
    statuses = [client.get("/setup").status_code for _ in range(25)]
    assert statuses[0] == 200 and 429 in statuses
