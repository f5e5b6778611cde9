"""Run a slow call into C (password hashing) on a native thread.

Under eventlet or gevent one OS thread serves every socket of the process, so a call
that keeps the CPU for a tenth of a second (argon2id, by design) would hold up every
live session meanwhile. The C library releases the GIL, so on a native thread it runs
beside the event loop. Without monkey patching (threading mode, the CLI, tests) the
call is made directly.
"""
from __future__ import annotations

import sys
from typing import Callable, TypeVar

T = TypeVar("T")


def off_the_loop(fn: Callable[..., T], *args) -> T:
    """``fn(*args)``, on a native thread when an event loop would otherwise wait;
    its result or its exception, as if called directly."""
    if "eventlet" in sys.modules:
        from eventlet import patcher

        if patcher.is_monkey_patched("thread"):
            from eventlet import tpool

            return tpool.execute(fn, *args)
    if "gevent" in sys.modules:
        from gevent import monkey

        if monkey.is_module_patched("threading"):
            import gevent

            return gevent.get_hub().threadpool.apply(fn, args)
    return fn(*args)
