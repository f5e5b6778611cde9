"""What one server process holds for the live session, in one object.

``create_app`` makes it (``app.extensions["reflect.process"]``; :func:`this_process`
finds it during a request or a socket event). It holds only what belongs to this process
and is rebuilt from the database or from the clients when lost:

- ``server_id``: on the presence rows of this process's own sockets;
- ``event_counter``: events per socket (a socket lives in one process; ``event_limit``);
- ``sockets``: what each facilitator or display socket was opened for;
- ``schemas``: one instance per marshmallow schema (building one costs more than a load);
- ``card_faces``: what each session's cards show, fixed for the session's life;
- ``last_sent``, ``pending``, ``pending_phones``: the throttled console and projector
  updates (``broadcast.publish_soon``);
- ``jobs``: the periodic jobs it runs (``rooms/jobs.py``), begun by :meth:`start`.

:meth:`reset` empties all of it (tests, between cases); the server id stays.
"""
from __future__ import annotations

import secrets
from typing import Iterable

from flask import Flask, current_app

from reflect.rooms.event_limit import SlidingWindowCounter

# sessions whose card faces are kept before the whole cache is dropped
MAX_SESSIONS_KEPT = 10_000


class Process:
    def __init__(self, jobs: Iterable = ()) -> None:
        self.server_id = secrets.token_hex(8)
        self.jobs = tuple(jobs)
        self.reset()

    def reset(self) -> None:
        self.event_counter = SlidingWindowCounter()
        self.sockets: dict[tuple[str, str], dict] = {}
        self.schemas: dict[type, object] = {}
        self.card_faces: dict[tuple[int, object], tuple] = {}
        self.last_sent: dict[int, float] = {}
        self.pending: dict[int, set[str]] = {}
        self.pending_phones: set[int] = set()

    def start(self, app: Flask) -> None:
        """Begin the periodic jobs on the server's green threads (``reflect run``)."""
        from reflect.rooms.scheduler import start_background_tasks

        start_background_tasks(app, self.jobs)


def this_process() -> Process:
    return current_app.extensions["reflect.process"]
