"""A socket event leaves no reference cycles of its request context behind: nothing the
cycle collector has to find and free (its full collections stop every socket)."""
from __future__ import annotations

import gc
from collections import Counter

import pytest

from reflect.extensions import socketio
from tests.socket.conftest import cmd, last_state

P, F = "/phone", "/facilitator"
# what a browser's websocket handshake carries: every event of that socket runs in a
# request context built from it, and Flask matches it against the websocket rules
WEBSOCKET = {"Upgrade": "websocket", "Connection": "Upgrade"}


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socket_events_leave_no_request_context_or_traceback_for_the_collector(live, transport):
    headers = WEBSOCKET if transport == "websocket" else {}
    console = socketio.test_client(live.app, namespace=F, flask_test_client=live.facilitator_client,
                                   auth={"session": live.session_id}, headers=headers)
    phone = socketio.test_client(live.app, namespace=P, flask_test_client=live.join(), headers=headers)
    assert console.is_connected(F) and phone.is_connected(P)
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
    # an unmatched URL (or a websocket request matched against a plain HTTP rule) left a
    # NotFound or a WebsocketMismatch, its traceback and frames in every event's context
    for kind in ("RequestContext", "NotFound", "WebsocketMismatch", "RequestRedirect", "traceback", "frame"):
        assert kinds[kind] == 0, (kind, kinds.most_common(10))
