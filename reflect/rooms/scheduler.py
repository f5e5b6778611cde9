"""Periodic jobs (presence grace expiry, timers, retention) on the server's own green threads.

Jobs are registered with :func:`every`; each job takes the app and is run inside an
app context. Jobs must be safe to run in several processes at once (they work on
the database with conditional updates), so a job's effect happens once.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import Flask

from reflect.extensions import socketio

log = logging.getLogger("reflect.scheduler")
_JOBS: list[tuple[float, Callable[[Flask], None]]] = []


def every(seconds: float):
    def register(job: Callable[[Flask], None]):
        _JOBS.append((seconds, job))
        return job

    return register


def _loop(app: Flask, seconds: float, job: Callable[[Flask], None]) -> None:
    while True:
        socketio.sleep(seconds)
        try:
            with app.app_context():
                job(app)
        except Exception as err:  # keep the loop alive; log the kind of error, never its data
            log.error("scheduled job %s failed: %s", job.__name__, type(err).__name__)


def start_background_tasks(app: Flask) -> None:
    import reflect.rooms.jobs  # noqa: F401  (registers the jobs)

    for seconds, job in _JOBS:
        socketio.start_background_task(_loop, app, seconds, job)
