"""Serve the app with the server that matches the configured async mode."""
from __future__ import annotations

import logging

from flask import Flask

from reflect.extensions import socketio

log = logging.getLogger("reflect.server")


def serve(app: Flask, host: str, port: int) -> None:
    mode = app.config["REFLECT_ASYNC_MODE"]
    if socketio.async_mode != mode:
        raise RuntimeError(f"Socket.IO runs in {socketio.async_mode!r} but REFLECT_ASYNC_MODE is {mode!r}")
    from reflect.rooms.scheduler import start_background_tasks

    start_background_tasks(app)
    log.warning("reflect serving on http://%s:%d (async mode: %s)", host, port, mode)
    # Request lines are not logged: URLs can hold one-time tokens.
    options = {"max_size": 20000} if mode == "eventlet" else {}  # eventlet's default caps at 1,024 sockets
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, log_output=False,
                 allow_unsafe_werkzeug=(mode == "threading"), **options)
