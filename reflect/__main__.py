"""The ``reflect`` console command.

For ``reflect run`` this is an entry point of the server, so it is one of the two
places (with ``wsgi.py``) allowed to monkey-patch for eventlet or gevent, which
must happen before anything else is imported.
"""
import os
import sys


def monkey_patch(mode: str) -> None:
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()


def main() -> None:
    if sys.argv[1:2] == ["run"]:
        monkey_patch(os.environ.get("REFLECT_ASYNC_MODE") or "eventlet")
    from reflect.cli import cli

    cli(prog_name="reflect")


if __name__ == "__main__":
    main()
