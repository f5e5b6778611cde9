"""The periodic jobs of the live session (registered with ``scheduler.every``).

The heartbeat belongs to each process (it refreshes the presence rows of that
process's own sockets); the others run once for all processes (``scheduler.claim``),
and would still be safe twice: the sweep deletes stale rows (a second sweeper finds
none), and a repeated presence broadcast carries the same full state.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask

import reflect.retention  # noqa: F401  (registers the retention job)
from reflect.db import begin_write, get_session, utcnow
from reflect.rooms import broadcast, lifecycle, participants, screens
from reflect.rooms.handlers import SERVER_ID
from reflect.rooms.scheduler import every

HEARTBEAT_SECONDS = 10
STALE_AFTER = timedelta(seconds=45)
GRACE_CHECK_SECONDS = 5
IDLE_CHECK_SECONDS = 600

log = logging.getLogger("reflect.jobs")


@every(HEARTBEAT_SECONDS, each_process=True)
def presence_heartbeat(app: Flask, previous: datetime | None) -> None:
    db = get_session()
    participants.heartbeat(db, SERVER_ID)
    screens.heartbeat(db, SERVER_ID)
    db.commit()


@every(15)
def sweep_crashed_sockets(app: Flask, previous: datetime | None) -> None:
    db = get_session()
    changed = participants.sweep_stale(db, STALE_AFTER)
    screens.sweep_stale(db, STALE_AFTER)
    db.commit()
    for session_id in changed:
        broadcast.presence_changed(session_id)


@every(IDLE_CHECK_SECONDS)
def end_idle_sessions(app: Flask, previous: datetime | None) -> None:
    """A session nobody ended, idle for ``REFLECT_IDLE_END_HOURS``, is ended as of its
    last activity; whoever still has it open is told."""
    db = get_session()
    begin_write(db)
    try:
        ended = lifecycle.end_idle_sessions(db, timedelta(hours=app.config["REFLECT_IDLE_END_HOURS"]))
        db.commit()
    except Exception:
        db.rollback()
        raise
    for session_id in ended:
        broadcast.publish(session_id)
        broadcast.nudge_waiting(session_id)
    if ended:
        reflect.retention.reclaim_after_end(db)
        log.info("ended %d idle sessions", len(ended))


@every(GRACE_CHECK_SECONDS)
def announce_grace_expiry(app: Flask, previous: datetime | None) -> None:
    """"Reconnecting…" turns into "away" when the grace period ends: announced for every
    grace period that ended since the previous run, in whichever process it ran."""
    grace = timedelta(seconds=app.config["REFLECT_PRESENCE_GRACE_SECONDS"])
    now = utcnow()
    since = previous if previous is not None else now - timedelta(seconds=GRACE_CHECK_SECONDS)
    for session_id in participants.sessions_with_grace_ending(get_session(), grace, since, now):
        broadcast.presence_changed(session_id)
