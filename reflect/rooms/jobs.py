"""Every periodic job, registered here and only here (``JOBS``, started by ``scheduler``).

The heartbeat belongs to each process (it refreshes the presence rows of that
process's own sockets); the others run once for all processes (``scheduler.claim``),
and would still be safe twice: the sweep deletes stale rows (a second sweeper finds
none), and a repeated presence broadcast carries the same full state.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask

from reflect import retention
from reflect.db import begin_write, get_session, utcnow
from reflect.rooms import broadcast, lifecycle, participants, screens
from reflect.rooms.process import this_process
from reflect.rooms.scheduler import Job

HEARTBEAT_SECONDS = 10
STALE_AFTER = timedelta(seconds=45)
GRACE_CHECK_SECONDS = 5
IDLE_CHECK_SECONDS = 600

log = logging.getLogger("reflect.jobs")


def presence_heartbeat(app: Flask, previous: datetime | None) -> None:
    db = get_session()
    server_id = this_process().server_id
    participants.heartbeat(db, server_id)
    screens.heartbeat(db, server_id)
    db.commit()


def sweep_crashed_sockets(app: Flask, previous: datetime | None) -> None:
    db = get_session()
    changed = participants.sweep_stale(db, STALE_AFTER)
    screens.sweep_stale(db, STALE_AFTER)
    db.commit()
    for session_id in changed:
        broadcast.presence_changed(session_id)


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
        retention.reclaim_after_end(db)
        log.info("ended %d idle sessions", len(ended))


def announce_grace_expiry(app: Flask, previous: datetime | None) -> None:
    """"Reconnecting…" turns into "away" when the grace period ends: announced for every
    grace period that ended since the previous run, in whichever process it ran."""
    grace = timedelta(seconds=app.config["REFLECT_PRESENCE_GRACE_SECONDS"])
    now = utcnow()
    since = previous if previous is not None else now - timedelta(seconds=GRACE_CHECK_SECONDS)
    for session_id in participants.sessions_with_grace_ending(get_session(), grace, since, now):
        broadcast.presence_changed(session_id)


def purge_expired_text(app: Flask, previous: datetime | None) -> None:
    """Hourly: purge what has outlived ``REFLECT_RETENTION_DAYS``."""
    db = get_session()
    try:
        report = retention.purge_expired(db, utcnow(), app.config["REFLECT_RETENTION_DAYS"])
        db.commit()
    except Exception:
        db.rollback()
        raise
    if report.texts:
        retention.reclaim_erased_space(db)
    if report.sessions:
        retention.log.info(
            "retention: purged the text of %d sessions (%d answers, %d notes, %d check-in feelings)",
            report.sessions, report.answers, report.notes, report.feelings,
        )


JOBS: tuple[Job, ...] = (
    Job(HEARTBEAT_SECONDS, presence_heartbeat, each_process=True),
    Job(15, sweep_crashed_sockets, each_process=False),
    Job(IDLE_CHECK_SECONDS, end_idle_sessions, each_process=False),
    Job(GRACE_CHECK_SECONDS, announce_grace_expiry, each_process=False),
    Job(3600, purge_expired_text, each_process=False),
)
