"""Socket.IO's websockets carry frames uncompressed (no permessage-deflate).

Browsers offer per-message compression on every websocket, and both of engine.io's
websocket servers accept it whenever it is offered (eventlet's own, and
simple-websocket under gevent), with no setting to decline it. Accepted, every frame
is compressed once for each socket it goes to, each socket with its own zlib stream:
a "next card" in a room of 300 is compressed 300 times, in the one thread that sends
it. reflect's messages are small JSON states, so the bytes saved are few and the CPU is
not (measured in docs/performance.md); the Node.js socket.io server ships with it off
for the same reason. Here the offer is taken out of the handshake, so the socket is
opened without the extension. ``REFLECT_SOCKET_COMPRESSION=1`` keeps it.
"""
from __future__ import annotations

OFFER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


class RefusePerMessageDeflate:
    """WSGI middleware: drop the client's websocket extension offers on the Socket.IO path
    (permessage-deflate is the only extension either websocket server knows)."""

    def __init__(self, app, path: str = "/socket.io"):
        self.app = app
        self.path = path

    def __call__(self, environ, start_response):
        if OFFER in environ and environ.get("PATH_INFO", "").startswith(self.path):
            del environ[OFFER]
        return self.app(environ, start_response)
