"""Serve the app with the server that matches the configured async mode."""
from __future__ import annotations

import gc
import logging

from flask import Flask

from reflect.extensions import socketio

log = logging.getLogger("reflect.server")

# Young objects allocated (net) before the collector runs; CPython's default is 700.
GC_THRESHOLD = 7000


def settle_garbage_collector() -> None:
    """Keep the cycle collector's pauses out of live sessions.

    A full collection walks every tracked object and, under eventlet or gevent, stops
    every socket of the process while it does: measured with 325 sockets, 120-190 ms
    every ~10 s, the largest source of the slowest 1% of deliveries. Everything built
    at start-up (the app, its libraries, catalogs, word lists: ~130,000 objects) lives
    as long as the process, so it is frozen out of every later collection; and the
    collector runs ten times less often. What a live session allocates is still
    collected (docs/performance.md has the measurements)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 10, 10)


def serve(app: Flask, host: str, port: int) -> None:
    mode = app.config["REFLECT_ASYNC_MODE"]
    if socketio.async_mode != mode:
        raise RuntimeError(f"Socket.IO runs in {socketio.async_mode!r} but REFLECT_ASYNC_MODE is {mode!r}")
    from reflect.rooms.scheduler import start_background_tasks

    start_background_tasks(app)
    log.warning("reflect serving on http://%s:%d (async mode: %s)", host, port, mode)
    # Request lines are not logged: URLs can hold one-time tokens.
    options = {"max_size": 20000} if mode == "eventlet" else {}  # eventlet's default caps at 1,024 sockets
    settle_garbage_collector()
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, log_output=False,
                 allow_unsafe_werkzeug=(mode == "threading"), **options)
