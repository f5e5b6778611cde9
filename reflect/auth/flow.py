"""The steps of signing in, shared by the password, second-factor and single sign-on
views: a sign-in waiting for its second step, and starting the login session."""
from __future__ import annotations

import time

from flask import current_app, redirect, request, session, url_for
from flask_login import login_user

from reflect.auth import accounts
from reflect.auth.signins import clean_user_agent
from reflect.models import User

PENDING_KEY = "pending_sign_in"
PENDING_SECONDS = 600  # the second step must follow the first within ten minutes


def public_url(endpoint: str, **values) -> str:
    """An absolute link for an email or the identity provider: on ``REFLECT_PUBLIC_URL``
    when set (never on the Host header a request claimed), else this request's address."""
    base = current_app.config.get("REFLECT_PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def hold(user: User, step: str, next_url: str | None) -> None:
    """The password (or nothing yet) checked: keep who is signing in until ``step``
    ("code": their second factor; "enrol": setting one up, as required) is done."""
    session.clear()
    session[PENDING_KEY] = {"user": user.id, "step": step, "at": time.time(), "next": next_url}


def pending(db, step: str) -> tuple[User, dict] | None:
    held = session.get(PENDING_KEY)
    if not isinstance(held, dict) or held.get("step") != step:
        return None
    if time.time() - float(held.get("at") or 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.get(User, held.get("user"))
    if user is None or not user.active:
        return None
    return user, held


def nothing_pending() -> bool:
    """No sign-in waits for a second step in this browser: nothing to guess, nothing to count."""
    return not isinstance(session.get(PENDING_KEY), dict)


def pending_key() -> str:
    """The rate limit's key for a second step: the account waiting for it."""
    held = session.get(PENDING_KEY)
    return "second-step:" + str(held.get("user") if isinstance(held, dict) else request.remote_addr)


def complete(db, user: User, method: str, next_url: str | None):
    """Start the login session (a new session id) and go on to ``next_url`` or home."""
    from reflect.auth.views import home_url

    session.clear()
    accounts.start_login_session(db, user, user_agent=clean_user_agent(request.headers.get("User-Agent")),
                                 method=method)
    db.commit()
    login_user(user)
    return redirect(next_url or home_url())
