"""Pushing from HTTP views to live sockets (works across processes via the message queue)."""
from __future__ import annotations

from reflect.extensions import socketio


def login_room(login_hash: str) -> str:
    return f"login:{login_hash}"


def close_login_sockets(login_hash: str) -> None:
    """Tell every socket of an ended login session to go, and drop those in this process.

    Every event handler also re-checks the login session, so a socket elsewhere that
    ignores the message is refused at its next event.
    """
    room = login_room(login_hash)
    for namespace in ("/facilitator", "/display"):
        # The room lives in these namespaces: an emit without one goes to "/" and reaches no one.
        socketio.emit("signed_out", {}, to=room, namespace=namespace)
    server = socketio.server
    if server is None:
        return
    for namespace in ("/facilitator", "/display"):
        for sid, _eio_sid in list(server.manager.get_participants(namespace, room)):
            server.disconnect(sid, namespace=namespace)
