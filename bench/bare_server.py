"""A bare Flask-SocketIO server that only broadcasts: the floor under our full path.

    python bench/bare_server.py eventlet|gevent PORT [MESSAGE_QUEUE_URL]

Same namespaces, events, engine.io settings (per-message compression off, as reflect's
default), cycle collector settings (``reflect.server.settle_garbage_collector``: start-up
objects frozen out of collections, the same thresholds) and message shape (as
bench/node/payload.js) as reflect and as the Node.js reference server, and nothing
else: no database, no authorisation, no validation. Binds 127.0.0.1 only.

With a message queue (a Redis URL), its emits travel through the queue as reflect's do
with ``REFLECT_MESSAGE_QUEUE``, so several processes behind nginx broadcast together: the
floor under reflect's path through nginx.
"""
from __future__ import annotations

import os
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "eventlet"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
MESSAGE_QUEUE = sys.argv[3] if len(sys.argv) > 3 else None

if MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
else:
    raise SystemExit(f"mode must be eventlet or gevent, not {MODE!r}")

from datetime import datetime, timezone  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

TEXTS = [
    "Picture this parent's day, from the moment they wake up until now. What might it be like to be them right "
    "now? What are they carrying?",
    "Now picture the baby's day. What might the baby be noticing, wanting, or missing? What would the baby say "
    "about today, if the baby could?",
]


def state_for(version: int, position: int) -> dict:
    return {
        "version": version,
        "phase": "reflect",
        "title": "Room 1",
        "locked": False,
        "allow_names": True,
        "server_now": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "timer_ends_at": None,
        "card": {
            "id": 1000 + position,
            "position": position,
            "total": 8,
            "text": TEXTS[position % 2],
            "followup": "What helped you picture it? Where did the picture get blurry?",
            "lang": "en",
            "fallback": False,
            "perspective": "baby" if position % 2 else "parent",
            "perspective_label": "The baby" if position % 2 else "The parent",
        },
        "checkin": None,
        "revealed": [],
        "takeaways": [],
    }


app = Flask(__name__)
# a channel of its own, shared by the processes one benchmark run starts: Redis pub/sub
# channels are shared by every database number, and reflect's processes may be on the
# same Redis
socketio = SocketIO(app, async_mode=MODE, ping_interval=10, ping_timeout=10, manage_session=False,
                    max_http_buffer_size=64 * 1024, logger=False, engineio_logger=False,
                    message_queue=MESSAGE_QUEUE, channel=f"bench-bare-{os.getppid()}")
# The same websocket transport as reflect: per-message compression refused unless
# BENCH_SOCKET_COMPRESSION=1 turns it on for both (reflect/socket_compression.py).
if os.environ.get("BENCH_SOCKET_COMPRESSION") != "1":
    from reflect.socket_compression import RefusePerMessageDeflate  # noqa: E402

    app.wsgi_app = RefusePerMessageDeflate(app.wsgi_app)
rooms: dict[str, int] = {}
versions: dict[int, int] = {}
positions: dict[int, int] = {}


def _room(auth) -> int:
    value = auth.get("session") if isinstance(auth, dict) else None
    return value if isinstance(value, int) else 1


@app.get("/")
def index():
    return "ok\n"


@socketio.on("connect", namespace="/phone")
def phone_connect(auth=None):
    room = _room(auth)
    join_room(f"r:{room}")
    emit("snapshot", {"public": state_for(versions.get(room, 1), positions.get(room, 0)), "me": {}})


@socketio.on("connect", namespace="/facilitator")
def facilitator_connect(auth=None):
    room = _room(auth)
    rooms[request.sid] = room
    emit("snapshot", state_for(versions.get(room, 1), positions.get(room, 0)))


@socketio.on("disconnect", namespace="/facilitator")
def facilitator_disconnect(*_args):
    rooms.pop(request.sid, None)


@socketio.on("card", namespace="/facilitator")
def card(data=None):
    room = rooms.get(request.sid, 1)
    data = data if isinstance(data, dict) else {}
    version = versions.get(room, 1) + 1
    position = data.get("position") if data.get("action") == "jump" else positions.get(room, 0) + 1
    versions[room], positions[room] = version, position
    socketio.emit("state", state_for(version, position), to=f"r:{room}", namespace="/phone")
    return {"ok": True}


if __name__ == "__main__":
    from reflect.server import settle_garbage_collector  # noqa: E402

    settle_garbage_collector()  # as reflect's server does before it serves
    print(f"bare server on http://127.0.0.1:{PORT} (async mode: {socketio.async_mode})", flush=True)
    socketio.run(app, host="127.0.0.1", port=PORT, log_output=False, use_reloader=False, debug=False)
