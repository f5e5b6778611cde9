"""reflect: real-time facilitation for reflective-supervision groups.

This module imports nothing heavy so that an entry point can monkey-patch for
eventlet or gevent before Flask, sockets or threads are imported.
"""


def create_app(config: dict | None = None):
    from reflect.app import create_app as _create_app

    return _create_app(config)


__all__ = ["create_app"]
