"""Open sign-ins: what each one is, when it was last used, ending one or all of them,
and failed sign-ins in the audit trail.

Business rules only (no Flask request globals). Ending a sign-in here closes its login
session; the view then closes its live sockets (``rooms.notify.close_login_sockets``),
as signing out does.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.auth.accounts import AccountError, end_all_login_sessions, normalise_email
from reflect.db import utcnow
from reflect.models import LoginSession, User
from reflect.tokens import token_hash

log = logging.getLogger("reflect.auth")

# "Last seen" is kept to this precision: one write per sign-in per interval, not per page.
SEEN_EVERY = timedelta(minutes=5)
USER_AGENT_CHARS = 255

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"),
             ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))


@dataclass(frozen=True)
class Device:
    browser: str  # a product name, or "" when unknown
    system: str


def describe(user_agent: str) -> Device:
    """A browser's and system's names from a User-Agent header (names, never versions)."""
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in ua), "")
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    return Device(browser, system)


def clean_user_agent(raw: str | None) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", "", raw or "")[:USER_AGENT_CHARS]


def open_sign_ins(db: Session, user: User) -> list[LoginSession]:
    """``user``'s open sign-ins, the most recently used first."""
    rows = db.scalars(select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)))
    return sorted(rows, key=lambda login: login.last_seen_at or login.created_at, reverse=True)


def end_sign_in(db: Session, actor: User, user: User, login_hash: str) -> str:
    """End one of ``user``'s open sign-ins; returns its hash (its sockets' room)."""
    login = db.get(LoginSession, login_hash or "")
    if login is None or login.user_id != user.id or login.ended_at is not None:
        raise AccountError("sign_in_not_open")
    login.ended_at = utcnow()
    record(db, actor, "sign_in_ended", f"user:{user.id}", {"method": login.method})
    return login.id_hash


def end_all_sign_ins(db: Session, actor: User, user: User) -> list[str]:
    """End every open sign-in of ``user`` (an admin's action, audited with the count)."""
    ended = end_all_login_sessions(db, user)
    record(db, actor, "sign_ins_ended", f"user:{user.id}", {"count": len(ended)})
    return ended


def is_current(login: LoginSession, raw_current: str | None) -> bool:
    return bool(raw_current) and login.id_hash == token_hash(raw_current)


def note_use(engine: Engine, login_hash: str) -> None:
    """Record that a sign-in was used, on a connection of its own (the request's unit of
    work is not touched), only when the stored time is older than ``SEEN_EVERY``: one
    small write per sign-in every few minutes, none on most requests."""
    now = utcnow()
    try:
        _note_use(engine, login_hash, now)
    except SQLAlchemyError as exc:  # a busy database: the next request will try again
        log.warning("Could not note a sign-in's use: %s", type(exc).__name__)


def _note_use(engine: Engine, login_hash: str, now) -> None:
    with engine.connect() as conn:
        seen = conn.execute(select(LoginSession.last_seen_at).where(LoginSession.id_hash == login_hash)).scalar()
        conn.rollback()
        if seen is not None and now - seen < SEEN_EVERY:
            return
        conn.execute(update(LoginSession).where(LoginSession.id_hash == login_hash, LoginSession.ended_at.is_(None))
                     .values(last_seen_at=now))
        conn.commit()


def record_failed_sign_in(db: Session, email: str, reason: str) -> None:
    """A refused sign-in in the audit trail: the account it was for, if there is one, and
    why (a wrong password, a wrong code); never the password or what was typed as email."""
    try:
        email = normalise_email(email)
    except AccountError:
        email = ""
    user = db.scalar(select(User).where(User.email == email)) if email else None
    record(db, None, "sign_in_failed", f"user:{user.id}" if user else "", {"reason": reason})


def is_current_hash(login_hash: str, raw_current: str | None) -> bool:
    return bool(raw_current) and login_hash == token_hash(raw_current)
