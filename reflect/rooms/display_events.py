"""The projector's Socket.IO events (namespace ``/display``): read-only. Who asks is
whoever holds the session's display key (``keys.display_key``, in the projector page's
link), checked at connect and on every event."""
from __future__ import annotations

import hmac

from flask import request
from flask_socketio import ConnectionRefusedError, disconnect

from reflect.db import begin_write, get_session
from reflect.extensions import socketio
from reflect.models import GroupSession
from reflect.rooms import broadcast, schemas, state, storage
from reflect.rooms.broadcast import DISPLAY_NS
from reflect.rooms.errors import RoomError
from reflect.rooms.keys import display_key
from reflect.rooms.socket_calls import answer, load, opened_for, screen_closed, screen_opened, sync_if_moved_on


def _displayed(session_id, key) -> GroupSession:
    if not isinstance(session_id, int) or not isinstance(key, str):
        raise RoomError("forbidden")
    if not hmac.compare_digest(key, display_key(session_id)):
        raise RoomError("forbidden")
    session = storage.session_by_id(get_session(), session_id)
    if session is None:
        raise RoomError("forbidden")
    return session


@socketio.on("connect", namespace=DISPLAY_NS)
def display_connect(auth=None):
    auth = auth if isinstance(auth, dict) else {}
    db = get_session()
    begin_write(db)  # reads, then records the screen
    try:
        session = _displayed(auth.get("session"), auth.get("key"))
    except RoomError:
        raise ConnectionRefusedError("forbidden")
    lang = auth.get("lang") if auth.get("lang") in ("en", "es") else "en"
    screen_opened(DISPLAY_NS, session, "display", lang, {"session": session.id, "key": auth["key"], "lang": lang},
                  [broadcast.display_room(session.id, lang)])
    first = state.display_state(broadcast.reads(db, session), lang)
    socketio.emit("state", first, to=request.sid, namespace=DISPLAY_NS)
    sync_if_moved_on(DISPLAY_NS, session.id, first["version"])


@socketio.on("disconnect", namespace=DISPLAY_NS)
def display_disconnect(*_args):
    screen_closed(DISPLAY_NS)


@socketio.on("sync", namespace=DISPLAY_NS)
def display_sync(data=None):
    opened = opened_for(DISPLAY_NS)

    def run() -> dict:
        try:
            session = _displayed(opened.get("session"), opened.get("key"))
        except RoomError:
            disconnect()
            raise
        load(schemas.Empty, data)
        return {"ok": True, "state": state.display_state(broadcast.reads(get_session(), session),
                                                         opened.get("lang", "en"))}

    return answer(opened.get("lang", "en"), run)
