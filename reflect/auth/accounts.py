"""Accounts: users, passwords, login sessions, one-time links, the first-run token.

Business rules only: no Flask request globals here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.db import utcnow
from reflect.models import AppSetting, LoginSession, PasswordToken, Role, User
from reflect.tokens import new_token, token_hash

# argon2id with the library's current defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("reflect-timing-equaliser")

MIN_PASSWORD_LENGTH = 10
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SETUP_TOKEN_KEY = "setup_token_hash"
PASSWORD_LINK_HOURS = 72


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise AccountError("email_invalid")
    return email


def users_exist(db: Session) -> bool:
    return db.scalar(select(func.count()).select_from(User)) > 0


def create_user(
    db: Session,
    *,
    email: str,
    role: str,
    display_name: str = "",
    password: str | None = None,
    actor: User | None = None,
) -> User:
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise AccountError("role_invalid")
    if db.scalar(select(User).where(User.email == email)):
        raise AccountError("email_taken")
    if password is not None:
        check_password_rules(password)
    user = User(
        email=email,
        role=role,
        display_name=(display_name or "").strip()[:120],
        password_hash=hash_password(password) if password else None,
    )
    db.add(user)
    db.flush()
    record(db, actor, "user_created", f"user:{user.id}", {"role": role})
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work either way)."""
    try:
        email = normalise_email(email)
    except AccountError:
        email = ""
    user = db.scalar(select(User).where(User.email == email)) if email else None
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_login_session(db: Session, user: User, *, user_agent: str = "", method: str = "password") -> str:
    raw = new_token()
    db.add(LoginSession(id_hash=token_hash(raw), user_id=user.id, user_agent=user_agent, method=method,
                        last_seen_at=utcnow()))
    record(db, user, "sign_in", f"user:{user.id}", {"method": method} if method != "password" else None)
    user.login_session_id = raw
    return raw


# Built once, and one rule for both uses: a login session is good while its row is open
# and its user active. HTTP requests (and a socket's connect, through Flask-Login) get the
# user as an ORM object; every later facilitator socket event checks the same rule again
# with the row it asks for (``owned_row``).
_OPEN_LOGIN = (LoginSession.id_hash == bindparam("id_hash"), LoginSession.ended_at.is_(None),
               User.active.is_(True))
_USER_OF_OPEN_LOGIN = select(User).join(LoginSession, LoginSession.user_id == User.id).where(*_OPEN_LOGIN)


def load_login_session(db: Session, raw: str) -> User | None:
    if not raw:
        return None
    user = db.scalars(_USER_OF_OPEN_LOGIN, {"id_hash": token_hash(raw)}).first()  # one query
    if user is None:
        return None
    user.login_session_id = raw
    return user


@dataclass(frozen=True)
class SignedIn:
    """Who holds an open login session, as a socket event needs them: read-only."""

    id: int
    role: str
    login_hash: str  # the login session's hash (the name of its socket room)


def owned_by_signed_in(query: Select, owner: ColumnElement) -> Select:
    """``query`` (of one entity) narrowed to the rows whose ``owner`` column holds the user
    of an open login session (bound as ``id_hash``), with that user's id and role: a row
    and the check of who asks for it in one query (see :func:`owned_row`)."""
    return (query.add_columns(User.id.label("signed_in_id"), User.role.label("signed_in_role"))
            .join(User, User.id == owner).join(LoginSession, LoginSession.user_id == User.id)
            .where(*_OPEN_LOGIN))


def owned_row(db: Session, login_hash: str | None, query: Select, **params) -> tuple[object, SignedIn] | None:
    """The row of ``query`` (built by :func:`owned_by_signed_in`) and the person signed in
    with the login session ``login_hash`` (its hash, as kept by a socket), if that session
    is open, its account active and the row theirs; None otherwise."""
    if not login_hash:
        return None
    row = db.execute(query, {**params, "id_hash": login_hash}).first()
    if row is None:
        return None
    return row[0], SignedIn(id=row.signed_in_id, role=row.signed_in_role, login_hash=login_hash)


def end_login_session(db: Session, raw: str | None) -> str | None:
    """End one login session; returns its hash (the name of its socket room)."""
    if not raw:
        return None
    login = db.get(LoginSession, token_hash(raw))
    if login is None or login.ended_at is not None:
        return None
    login.ended_at = utcnow()
    record(db, login.user, "sign_out", f"user:{login.user_id}")
    return login.id_hash


def end_all_login_sessions(db: Session, user: User) -> list[str]:
    ended = []
    for login in db.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    ):
        login.ended_at = utcnow()
        ended.append(login.id_hash)
    return ended


def reset_candidate(db: Session, email: str) -> User | None:
    """The active account of ``email`` for a forgotten-password request, if any."""
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    user = db.scalar(select(User).where(User.email == email))
    return user if user is not None and user.active else None


def issue_password_link(db: Session, user: User, actor: User | None = None, reason: str | None = None) -> str:
    """A one-time token to (re)set ``user``'s password; earlier unused ones stop working.
    A deactivated account gets none: its link would not open (see ``password_link_user``)."""
    if not user.active:
        raise AccountError("link_for_deactivated")
    now = utcnow()
    for old in db.scalars(
        select(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
    ):
        old.used_at = now
    raw = new_token()
    db.add(
        PasswordToken(
            token_hash=token_hash(raw),
            user_id=user.id,
            expires_at=now + timedelta(hours=PASSWORD_LINK_HOURS),
        )
    )
    record(db, actor, "password_link_issued", f"user:{user.id}", {"reason": reason} if reason else None)
    return raw


def password_link_user(db: Session, raw: str) -> User | None:
    link = db.get(PasswordToken, token_hash(raw or ""))
    if link is None or link.used_at is not None or link.expires_at < utcnow() or not link.user.active:
        return None
    return link.user


def use_password_link(db: Session, raw: str, password: str) -> User:
    user = password_link_user(db, raw)
    if user is None:
        raise AccountError("link_invalid")
    check_password_rules(password)
    db.get(PasswordToken, token_hash(raw)).used_at = utcnow()
    user.password_hash = hash_password(password)
    end_all_login_sessions(db, user)
    record(db, user, "password_set", f"user:{user.id}")
    return user


def _lock_admins(db: Session, actor: User, user: User) -> int:
    """Lock the rows of every active admin, of ``actor`` and of ``user``, reload them as
    they now are, and return how many active admins there are.

    On PostgreSQL the rows are taken ``FOR UPDATE`` in id order: a second admin's change
    waits for the first one's commit (no deadlock) and then reads the rows as that commit
    left them. SQLite has one writer at a time: the view began this unit of work as a
    writer (``begin_write``), so nothing can change between this read and the commit."""
    rows = db.scalars(
        select(User)
        .where(or_(and_(User.role == Role.ADMIN.value, User.active.is_(True)), User.id.in_({actor.id, user.id})))
        .order_by(User.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return sum(1 for row in rows if row.active and row.role == Role.ADMIN.value)


def _still_admin(actor: User) -> None:
    """``actor`` as just reloaded by :func:`_lock_admins`: another admin may have demoted
    or deactivated them since their request was let in."""
    if not (actor.active and actor.role == Role.ADMIN.value):
        raise AccountError("not_admin")


def change_role(db: Session, actor: User, user: User, role: str) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError("role_invalid")
    if user.id == actor.id and role != Role.ADMIN.value:
        raise AccountError("cannot_demote_self")
    admins = _lock_admins(db, actor, user)
    old = user.role
    if user.active and old == Role.ADMIN.value and role != old and admins <= 1:
        raise AccountError("last_admin")
    _still_admin(actor)
    if old == role:
        return
    user.role = role
    record(db, actor, "role_changed", f"user:{user.id}", {"from": old, "to": role})


def set_active(db: Session, actor: User, user: User, active: bool) -> list[str]:
    """Activate or deactivate ``user``; the ids of the login sessions this ended.

    Idempotent: asking for the state the account is already in changes nothing and
    records nothing (a double click, a resubmitted form, a second admin's stale page)."""
    if user.id == actor.id and not active:
        raise AccountError("cannot_deactivate_self")
    admins = _lock_admins(db, actor, user)
    if not active and user.active and user.role == Role.ADMIN.value and admins <= 1:
        raise AccountError("last_admin")
    _still_admin(actor)
    if user.active == active:
        return []
    user.active = active
    record(db, actor, "user_activated" if active else "user_deactivated", f"user:{user.id}")
    return [] if active else end_all_login_sessions(db, user)


def issue_setup_token(db: Session) -> str | None:
    """A new first-run token (replacing any earlier one), or None once a user exists."""
    if users_exist(db):
        return None
    raw = new_token(18)
    setting = db.get(AppSetting, SETUP_TOKEN_KEY)
    if setting is None:
        db.add(AppSetting(key=SETUP_TOKEN_KEY, value=token_hash(raw)))
    else:
        setting.value = token_hash(raw)
    return raw


def ensure_setup_token(db: Session) -> str | None:
    """The first-run token, created if there is none yet: its raw value when this call
    created it, else None (only its hash is stored, so an existing one cannot be shown
    again; ``reflect setup-token`` replaces it). None too once a user exists."""
    if users_exist(db) or setup_token_pending(db):
        return None
    return issue_setup_token(db)


def setup_token_pending(db: Session) -> bool:
    return db.get(AppSetting, SETUP_TOKEN_KEY) is not None


def create_first_admin(db: Session, raw_token: str, *, email: str, display_name: str, password: str) -> User:
    setting = db.get(AppSetting, SETUP_TOKEN_KEY)
    if users_exist(db) or setting is None or setting.value != token_hash(raw_token or ""):
        raise AccountError("setup_token_invalid")
    user = create_user(db, email=email, role=Role.ADMIN.value, display_name=display_name, password=password)
    db.delete(setting)
    return user
