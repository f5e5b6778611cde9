"""Serve the app with the server that matches the configured async mode."""
from __future__ import annotations

import gc
import logging

from flask import Flask

from reflect.extensions import socketio

log = logging.getLogger("reflect.server")

# The collector's thresholds (CPython's defaults are 700, 10, 10). A young collection
# runs after 700 net allocations, as by default, and stays short (a few ms). A
# middle-aged one runs after every 2 young ones, not 10: each object that lives for a
# while (a socket's timers, its last packet) is walked once by a middle-aged collection
# whatever their pace, so the same work comes in slices half as long (longest 9-15 ms,
# not 26-27 ms, with 1,300 sockets). A full collection, which walks every object of every
# connected socket and stops them all while it does (150-190 ms with 1,300 sockets),
# waits for 5,000 middle-aged ones: 10,000 young ones, as before (docs/performance.md
# has the measurements).
GC_THRESHOLDS = (700, 2, 5000)


def settle_garbage_collector() -> None:
    """Keep the cycle collector's pauses out of live sessions.

    Under eventlet or gevent a collection stops every socket of the process while it
    runs. Everything built at start-up (the app, its libraries, catalogs, word lists:
    ~130,000 objects) lives as long as the process, so it is frozen out of every later
    collection. Socket events leave almost no cyclic garbage (tests/socket/
    test_event_garbage.py), so young collections find little and full ones are rare:
    what a live session allocates is still collected, by the young collections almost
    all of it, and by a full collection in time."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(app: Flask, host: str, port: int) -> None:
    mode = app.config["REFLECT_ASYNC_MODE"]
    if socketio.async_mode != mode:
        raise RuntimeError(f"Socket.IO runs in {socketio.async_mode!r} but REFLECT_ASYNC_MODE is {mode!r}")
    from reflect import dependencies

    dependencies.check(app.config)  # a Redis the settings name that does not answer stops it here
    app.extensions["reflect.process"].start(app)
    log.warning("reflect serving on http://%s:%d (async mode: %s)", host, port, mode)
    # where this server listens, for the first-run line (never the request's Host header)
    app.config["REFLECT_SERVING_AT"] = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
    # Request lines are not logged: URLs can hold one-time tokens.
    options = {"max_size": 20000} if mode == "eventlet" else {}  # eventlet's default caps at 1,024 sockets
    settle_garbage_collector()
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, log_output=False,
                 allow_unsafe_werkzeug=(mode == "threading"), **options)
