"""Open sign-ins through HTTP: each person's list with device and times, ending one (not
someone else's), the admin ending all of a person's, failed sign-ins in the audit trail."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from reflect.db import get_session
from reflect.models import AuditEvent, LoginSession
from tests.helpers import PASSWORD, csrf, csrf_from, make_user

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36")
LOGIN_RE = re.compile(r'name="login" value="([0-9a-f]{64})"')


def client_as(app, email, user_agent):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    token = csrf(client, "/login")
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


def audit(app):
    with app.app_context():
        return [(e.action, e.target, e.detail) for e in get_session().scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_person_sees_their_sign_ins_and_ends_another_one(app):
    user_id = make_user(app, "facilitator", "f@example.org")
    laptop = client_as(app, "f@example.org", FIREFOX_WINDOWS)
    phone = client_as(app, "f@example.org", CHROME_ANDROID)
    page = laptop.get("/account/sign-ins").get_data(as_text=True)
    assert "Firefox on Windows" in page and "Chrome on Android" in page
    assert page.count("this browser") == 1
    logins = LOGIN_RE.findall(page)
    assert len(logins) == 2
    with app.app_context():
        agents = {row.id_hash: row.user_agent for row in get_session().scalars(select(LoginSession))}
    phone_login = next(h for h in logins if agents[h] == CHROME_ANDROID)

    response = laptop.post("/account/sign-ins/end", data={"csrf_token": csrf_from(page), "login": phone_login})
    assert response.status_code == 302
    assert phone.get("/account").status_code == 302  # the phone is signed out
    assert laptop.get("/account").status_code == 200  # this browser is not
    assert "Chrome on Android" not in laptop.get("/account/sign-ins").get_data(as_text=True)
    assert ("sign_in_ended", f"user:{user_id}", {"method": "password"}) in audit(app)

    again = laptop.post("/account/sign-ins/end", data={"csrf_token": csrf_from(page), "login": phone_login})
    assert "already ended" in laptop.get(again.headers["Location"]).get_data(as_text=True)


def test_nobody_can_end_someone_elses_sign_in(app):
    make_user(app, "facilitator", "f@example.org")
    make_user(app, "facilitator", "g@example.org")
    f = client_as(app, "f@example.org", FIREFOX_WINDOWS)
    g = client_as(app, "g@example.org", CHROME_ANDROID)
    g_login = LOGIN_RE.search(g.get("/account/sign-ins").get_data(as_text=True)).group(1)
    before = audit(app)
    response = f.post("/account/sign-ins/end", data={"csrf_token": csrf(f, "/account/sign-ins"), "login": g_login})
    assert "already ended" in f.get(response.headers["Location"]).get_data(as_text=True)
    assert g.get("/account").status_code == 200
    assert audit(app) == before


def test_ending_this_browsers_own_sign_in_signs_it_out(app):
    make_user(app, "facilitator", "f@example.org")
    laptop = client_as(app, "f@example.org", FIREFOX_WINDOWS)
    page = laptop.get("/account/sign-ins").get_data(as_text=True)
    response = laptop.post("/account/sign-ins/end", data={"csrf_token": csrf_from(page),
                                                          "login": LOGIN_RE.search(page).group(1)})
    assert response.headers["Location"].endswith("/login")
    assert laptop.get("/account").status_code == 302


def test_the_admin_ends_every_sign_in_of_a_person(app):
    user_id = make_user(app, "facilitator", "f@example.org")
    make_user(app, "admin", "admin@example.org")
    browsers = [client_as(app, "f@example.org", ua) for ua in (FIREFOX_WINDOWS, CHROME_ANDROID)]
    admin = client_as(app, "admin@example.org", FIREFOX_WINDOWS)
    page = admin.get("/admin/users").get_data(as_text=True)
    response = admin.post(f"/admin/users/{user_id}/sign-ins/end", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert "Every sign-in of f@example.org has ended (2)" in admin.get("/admin/users").get_data(as_text=True)
    assert all(b.get("/account").status_code == 302 for b in browsers)
    assert admin.get("/admin/users").status_code == 200
    assert ("sign_ins_ended", f"user:{user_id}", {"count": 2}) in audit(app)


def test_last_seen_moves_on_when_a_sign_in_is_used(app):
    make_user(app, "facilitator", "f@example.org")
    laptop = client_as(app, "f@example.org", FIREFOX_WINDOWS)
    with app.app_context():
        db = get_session()
        login = db.scalar(select(LoginSession))
        old = login.last_seen_at - timedelta(hours=3)
        login.last_seen_at = old
        db.commit()
    laptop.get("/account").close()
    with app.app_context():
        assert get_session().scalar(select(LoginSession.last_seen_at)) > old


def test_a_failed_sign_in_is_audited_without_the_password(app, client):
    user_id = make_user(app, "facilitator", "f@example.org")
    token = csrf(client, "/login")
    client.post("/login", data={"email": "f@example.org", "password": "Tr0ub4dor&3 wrong", "csrf_token": token})
    client.post("/login", data={"email": "my password typed here", "password": "x", "csrf_token": token})
    failed = [(target, detail) for action, target, detail in audit(app) if action == "sign_in_failed"]
    assert failed == [(f"user:{user_id}", {"reason": "password"}), ("", {"reason": "password"})]
    assert "Tr0ub4dor" not in repr(audit(app)) and "typed here" not in repr(audit(app))
