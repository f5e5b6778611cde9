"""The periodic jobs of the live session (registered with ``scheduler.every``).

Each is safe to run in several processes at once: the heartbeat touches only this
process's rows (phones' and screens'); the sweep deletes stale rows (a second sweeper finds none); a
duplicated presence broadcast carries the same full state and changes nothing.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

import reflect.retention  # noqa: F401  (registers the retention job)
from reflect.db import get_session
from reflect.rooms import broadcast, participants, screens
from reflect.rooms.handlers import SERVER_ID
from reflect.rooms.scheduler import every

HEARTBEAT_SECONDS = 10
STALE_AFTER = timedelta(seconds=45)
GRACE_CHECK_SECONDS = 5


@every(HEARTBEAT_SECONDS)
def presence_heartbeat(app: Flask) -> None:
    db = get_session()
    participants.heartbeat(db, SERVER_ID)
    screens.heartbeat(db, SERVER_ID)
    db.commit()


@every(15)
def sweep_crashed_sockets(app: Flask) -> None:
    db = get_session()
    changed = participants.sweep_stale(db, STALE_AFTER)
    screens.sweep_stale(db, STALE_AFTER)
    db.commit()
    for session_id in changed:
        broadcast.presence_changed(session_id)


@every(GRACE_CHECK_SECONDS)
def announce_grace_expiry(app: Flask) -> None:
    """"Reconnecting…" turns into "away" when the grace period ends."""
    grace = timedelta(seconds=app.config["REFLECT_PRESENCE_GRACE_SECONDS"])
    for session_id in participants.sessions_with_grace_ending(get_session(), grace, timedelta(seconds=GRACE_CHECK_SECONDS)):
        broadcast.presence_changed(session_id)
