"""A socket event leaves no reference cycles of its request context behind: nothing the
cycle collector has to find and free (its full collections stop every socket)."""
from __future__ import annotations

import gc
from collections import Counter

from tests.socket.conftest import cmd, last_state

P, F = "/phone", "/facilitator"


def test_socket_events_leave_no_request_context_or_traceback_for_the_collector(live):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection would free is kept in gc.garbage
    try:
        for step in ("next", "next", "next"):
            assert cmd(console, F, "card", action=step)["ok"]
            card = last_state(phone, P)["card"]["id"]
            assert cmd(phone, P, "answer", card=card, text="She looked at me first", audience="group")["ok"]
        gc.collect()
        kinds = Counter(type(found).__name__ for found in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    # an unmatched URL left a NotFound, its traceback and frames in every event's context
    for kind in ("RequestContext", "NotFound", "RequestRedirect", "traceback", "frame"):
        assert kinds[kind] == 0, (kind, kinds.most_common(10))
