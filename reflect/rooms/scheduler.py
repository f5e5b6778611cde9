"""Periodic jobs (presence heartbeat and sweep, grace expiry, retention) on the server's
own green threads.

Jobs are listed in ``rooms/jobs.py`` (``JOBS``); each takes the app and the time its previous
run began (None for the first), and runs inside an app context. A job runs once for
all server processes, not once per process: every process wakes at the job's period,
and the one whose conditional update moves the job's ``scheduled_jobs`` row on to its
next due time runs it (``claim``); the others find it not due. A job that belongs to
each process (refreshing its own sockets' presence) is listed ``each_process=True``
and runs in every process. A process that dies mid-run leaves the job due again at its
next time, for any process to claim.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable, Iterable, NamedTuple

from flask import Flask
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from reflect.db import begin_write, get_session, utcnow
from reflect.extensions import socketio
from reflect.rooms import storage

log = logging.getLogger("reflect.scheduler")


class Job(NamedTuple):
    seconds: float
    run: Callable[[Flask, datetime | None], None]
    each_process: bool


# A process whose wake-up comes a little early still finds its own next run due.
_SLACK = 0.1


class Claim(NamedTuple):
    previous: datetime | None  # when the job's previous run began, in any process


def claim(db: Session, name: str, seconds: float, now: datetime | None = None) -> Claim | None:
    """This process's turn to run job ``name`` (due every ``seconds``), or None if another
    process has run it within its period. Committed before the job runs, so a second
    process waking meanwhile finds it not due."""
    now = now or utcnow()
    following = now + timedelta(seconds=seconds * (1 - _SLACK))
    begin_write(db)  # SQLite: one claimer at a time (PostgreSQL: the update's condition decides)
    found = storage.job_times(db, name)
    if found is None:
        won = storage.add_job_once(db, name, now, following)
        db.commit()
        return Claim(None) if won else None
    last_run_at, next_run_at = found
    if next_run_at > now:
        db.rollback()
        return None
    won = storage.move_job_on(db, name, next_run_at, now, following)
    db.commit()
    return Claim(last_run_at) if won else None


def run_due(app: Flask, job: Job, previous_here: datetime | None) -> datetime | None:
    """Run ``job`` if it is this process's turn; returns when the run began (None if it
    did not run)."""
    with app.app_context():
        started = utcnow()
        if job.each_process:
            turn: Claim | None = Claim(previous_here)
        else:
            turn = claim(get_session(), job.run.__name__, job.seconds, started)
        if turn is None:
            return None
        job.run(app, turn.previous)
        return started


def run_once(app: Flask, job: Job, previous_here: datetime | None) -> datetime | None:
    """One wake-up of ``job``'s loop; returns when it last ran in this process. A run that
    finds every database connection in use skips this beat (it is due again at the next),
    logged once for the whole outage with everything else that found the pool exhausted."""
    try:
        return run_due(app, job, previous_here) or previous_here
    except PoolTimeout as err:
        app.extensions["reflect.store"].pool_busy(err, f"scheduled job {job.run.__name__}")
    except Exception as err:  # keep the loop alive; log the kind of error, never its data
        log.error("scheduled job %s failed: %s", job.run.__name__, type(err).__name__)
    return previous_here


def _loop(app: Flask, job: Job) -> None:
    previous_here = None
    while True:
        socketio.sleep(job.seconds)
        previous_here = run_once(app, job, previous_here)


def start_background_tasks(app: Flask, jobs: Iterable[Job]) -> None:
    for job in jobs:
        socketio.start_background_task(_loop, app, job)
