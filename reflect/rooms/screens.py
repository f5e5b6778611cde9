"""Which facilitator consoles and projector displays are connected, in any process.

A process knows only its own sockets. With a message queue, a broadcast from one
process reaches rooms whose sockets another process holds, so each process asks the
database which screen rooms of a session have someone in them, and builds no state for
a screen nobody has open. One ``ScreenPresence`` row per socket: written when it
connects, deleted when it leaves, refreshed by its process and swept when that process
stops refreshing it (as phones' ``SocketPresence``).

Nothing is lost by reading this: a screen's row is committed before its first state
is read, and a change is committed before a broadcast reads the rows, so of any
change and any new screen either the broadcast sees the screen or the screen's first
state already holds the change.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from reflect.db import utcnow
from reflect.models import ScreenPresence
from reflect.rooms import storage

AUDIENCES = ("display", "facilitator")


def connected(db: Session, sid: str, session_id: int, audience: str, lang: str, server_id: str) -> None:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience: {audience}")
    # a socket's id is new on every connect: an insert, with no look-up first
    storage.add_screen(db, ScreenPresence(sid=sid, session_id=session_id, audience=audience, lang=lang,
                                          server_id=server_id, seen_at=utcnow()))


def disconnected(db: Session, sid: str) -> None:
    storage.delete_screen(db, sid)


def listening(db: Session, session_id: int) -> frozenset[tuple[str, str]]:
    """The (audience, language) pairs of the session's connected screens: one query."""
    return storage.screens_listening(db, session_id)


def heartbeat(db: Session, server_id: str) -> None:
    storage.touch_screens(db, server_id, utcnow())


def sweep_stale(db: Session, max_age: timedelta) -> int:
    """Drop screens whose process stopped refreshing them (it crashed); returns how many."""
    return storage.delete_screens_seen_before(db, utcnow() - max_age)
