"""Websockets open without per-message compression unless it is configured, under
eventlet and under gevent (reflect/socket_compression.py), though the client offers it
as every browser does."""
from __future__ import annotations

import base64
import os
import socket
import urllib.parse

import pytest

from tests.live.conftest import MODES
from tests.servers import prepared_server


def _handshake(url: str) -> tuple[str, str | None]:
    """A websocket handshake with engine.io offering permessage-deflate; the status line
    and the extensions the server accepted."""
    parts = urllib.parse.urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in head[1:])}
    return head[0], headers.get("sec-websocket-extensions")


def test_a_websocket_opens_without_per_message_compression(live_server):
    status, extensions = _handshake(live_server.url)
    assert " 101 " in status
    assert extensions is None


@pytest.mark.parametrize("mode", MODES)
def test_per_message_compression_is_accepted_when_configured(mode, tmp_path):
    server = prepared_server(mode, tmp_path, REFLECT_SOCKET_COMPRESSION="1").start()
    try:
        status, extensions = _handshake(server.url)
    finally:
        server.stop()
    assert " 101 " in status
    assert extensions is not None and extensions.startswith("permessage-deflate")
