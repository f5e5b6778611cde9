"""Small helpers shared by tests: accounts, CSRF tokens, signing in."""
from __future__ import annotations

import re

from reflect.auth import accounts
from reflect.db import get_session

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_user(app, role: str, email: str | None = None, password: str = PASSWORD, name: str = ""):
    email = email or f"{role}@example.org"
    with app.app_context():
        db = get_session()
        user = accounts.create_user(db, email=email, role=role, display_name=name or role.title(), password=password)
        db.commit()
        return user.id


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf(client, url: str = "/login") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def login(client, email: str, password: str = PASSWORD):
    token = csrf(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def sign_in_as(app, client, role: str, email: str | None = None):
    email = email or f"{role}@example.org"
    user_id = make_user(app, role, email)
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return user_id
