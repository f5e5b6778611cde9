"""Server entry point: ``python wsgi.py`` (or import ``app`` from a process manager).

The async mode comes from ``REFLECT_ASYNC_MODE`` (eventlet by default); the
monkey patching happens here, first, before Flask or sockets are imported.
"""
import os

from reflect.__main__ import monkey_patch

monkey_patch(os.environ.get("REFLECT_ASYNC_MODE") or "eventlet")

from reflect import create_app  # noqa: E402
from reflect.config import ConfigError  # noqa: E402
from reflect.extensions import socketio  # noqa: E402

try:
    app = create_app()
except ConfigError as err:  # settings reflect cannot run with: their one line, no traceback
    raise SystemExit(f"reflect cannot start: {err}") from None

if __name__ == "__main__":
    from reflect.server import serve

    serve(app, os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000")))
