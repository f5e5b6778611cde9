"""Every statement the live session runs, as named operations: the one seam between the
room's rules (``answers``, ``checkins``, ``lifecycle``, ``participants``, ``settle``,
``notes``, ``screens``, ``state``, ``commands``) and the database.

The services decide; this module reads and writes. It takes a SQLAlchemy ``Session``
and plain values, and returns ORM objects, rows or plain values, never anything that
fills in later. It is the only module of the live session that knows which database it
runs on (SQLite, the embedded default, or PostgreSQL): where the two need different SQL
(an insert that does nothing when the row exists), the difference is here.
"""
from __future__ import annotations

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reflect.auth import accounts
from reflect.models import GroupSession

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _insert_once(db: Session, table: Table, values: dict) -> bool:
    """Insert a row unless one with the same key (or unique columns) exists: one
    statement on both databases (``ON CONFLICT DO NOTHING``), which waits for a
    concurrent insert of the same key to commit or roll back. Whether it was written."""
    statement = _INSERT[db.get_bind().dialect.name](table).values(**values).on_conflict_do_nothing()
    return db.execute(statement).rowcount == 1


# --- a phone and its session ------------------------------------------------------------


# (section owned by the phones' and answers' work)


# --- answers, passes and marks ----------------------------------------------------------


# (section owned by the phones' and answers' work)


# --- command records ----------------------------------------------------------------------


# (section owned by the phones' and answers' work)


# --- the session's row and its cards ----------------------------------------------------


# (section owned by the session's life work)


# --- check-in rounds ----------------------------------------------------------------------


# (section owned by the session's life work)


# --- settling ---------------------------------------------------------------------------


# (section owned by the session's life work)


# --- notes and tags -------------------------------------------------------------------------


# (section owned by the session's life work)


# --- screens and presence ---------------------------------------------------------------


# (section owned by the session's life work)


# --- what a state reads -------------------------------------------------------------------


# (section owned by the session's life work)


# --- the scheduler's turns --------------------------------------------------------------


# (section owned by the session's life work)


# --- who asks, for the socket events ----------------------------------------------------


# The session and who asks for it, checked in one query (every facilitator event): the
# login session open, its account active, and the session facilitated by that account;
# for a command, the session's row locked until commit (PostgreSQL) and read afresh.
_FACILITATED = accounts.owned_by_signed_in(select(GroupSession).where(GroupSession.id == bindparam("session_id")),
                                           GroupSession.facilitator_id)
_FACILITATED_LOCKED = (_FACILITATED.with_for_update(of=GroupSession.__table__)
                       .execution_options(populate_existing=True))


def facilitated_session(db: Session, login_hash: str | None, session_id: int, *, lock: bool = False
                        ) -> tuple[GroupSession, accounts.SignedIn] | None:
    """The session and the person signed in with ``login_hash``, if that login session is
    open, its account active and the session theirs; ``lock``: its row locked until
    commit and read afresh (a command)."""
    return accounts.owned_row(db, login_hash, _FACILITATED_LOCKED if lock else _FACILITATED, session_id=session_id)


def session_by_id(db: Session, session_id: int) -> GroupSession | None:
    return db.get(GroupSession, session_id)


def session_for_update(db: Session, session_id: int) -> GroupSession | None:
    """The session's row, locked until commit and read afresh."""
    return db.scalar(select(GroupSession).where(GroupSession.id == session_id).with_for_update()
                     .execution_options(populate_existing=True))


def session_version(db: Session, session_id: int) -> int | None:
    return db.scalar(select(GroupSession.version).where(GroupSession.id == session_id))
