"""The ``reflect`` console command.

For ``reflect run`` this is an entry point of the server, so it is one of the two
places (with ``wsgi.py``) allowed to monkey-patch for eventlet or gevent, which
must happen before anything else is imported.
"""
import os
import sys


def monkey_patch(mode: str) -> None:
    """Make blocking I/O cooperative for the async mode: the standard library's sockets
    and threads (the mode's monkey patching) and PostgreSQL's driver, psycopg2, whose
    C library does its own I/O (psycogreen's wait callback hands each wait to the hub).
    The driver comes with the ``postgresql`` extra: without it there is nothing to patch
    (settings that name PostgreSQL are then refused, ``config.check_installed``)."""
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
        try:
            from psycogreen.eventlet import patch_psycopg
        except ImportError:
            return
        patch_psycopg()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        try:
            from psycogreen.gevent import patch_psycopg
        except ImportError:
            return
        patch_psycopg()


def main() -> None:
    if sys.argv[1:2] == ["run"]:
        monkey_patch(os.environ.get("REFLECT_ASYNC_MODE") or "eventlet")
    from reflect.cli import cli

    cli(prog_name="reflect")


if __name__ == "__main__":
    main()
