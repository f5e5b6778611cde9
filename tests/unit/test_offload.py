"""Slow C calls (password hashing) run beside the event loop, not on it: under eventlet
and gevent, other green threads keep running while one signs a person in."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reflect.offload import off_the_loop

SCRIPT = r"""
import json, sys
mode = sys.argv[1]
if mode == "eventlet":
    import eventlet
    eventlet.monkey_patch()
    from eventlet import patcher
    native_id = patcher.original("threading").get_native_id
    real_sleep = patcher.original("time").sleep
    spawn, green_sleep = eventlet.spawn, eventlet.sleep
else:
    from gevent import monkey
    monkey.patch_all()
    import gevent
    native_id = monkey.get_original("threading", "get_native_id")
    real_sleep = monkey.get_original("time", "sleep")
    spawn, green_sleep = gevent.spawn, gevent.sleep

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from reflect.offload import off_the_loop

ticks = []
def ticker():
    while True:
        ticks.append(1)
        green_sleep(0.005)
spawn(ticker)
green_sleep(0)

def blocking():
    real_sleep(0.3)  # holds its OS thread, as a C call does
    return native_id()

before = len(ticks)
ran_on = off_the_loop(blocking)
during = len(ticks) - before

hasher = PasswordHasher()
stored = off_the_loop(hasher.hash, "a long enough passphrase")
try:
    off_the_loop(hasher.verify, stored, "not the passphrase")
    refused = False
except VerificationError:
    refused = True
print(json.dumps({"main": native_id(), "ran_on": ran_on, "ticks_during": during,
                  "verifies": off_the_loop(hasher.verify, stored, "a long enough passphrase"), "refused": refused}))
"""


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_a_slow_call_runs_on_another_thread_while_green_threads_go_on(mode):
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ran_on"] != result["main"]
    assert result["ticks_during"] > 0  # the event loop was not held while the call ran
    assert result["verifies"] is True and result["refused"] is True  # results and exceptions come back


def test_without_an_event_loop_the_call_is_made_directly():
    import threading

    assert off_the_loop(threading.get_native_id) == threading.get_native_id()
    with pytest.raises(ZeroDivisionError):
        off_the_loop(lambda: 1 / 0)
