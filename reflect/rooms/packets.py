"""Socket.IO packets: what reflect sends (``JsonPacket``) and what it accepts
(``guard_incoming``).

The packet class reflect's server uses is python-socketio's own, told that what reflect
sends is never binary.

python-socketio walks every emitted payload, item by item, to find bytes that would
need binary attachments. reflect's payloads are JSON states (a facilitator's state for
a room of 300 holds thousands of items), so that walk was a large share of a broadcast's
CPU. Nothing reflect sends is binary; were bytes ever passed, JSON encoding would refuse
them loudly rather than send something else."""
from __future__ import annotations

import logging
from typing import Callable

from socketio import packet
from socketio.packet import Packet


class JsonPacket(Packet):
    @classmethod
    def data_is_binary(cls, data) -> bool:
        return False


# --- what clients send --------------------------------------------------------------------

log = logging.getLogger("reflect.rooms")
_ACCEPTED = frozenset({packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK})


def guard_incoming(server, refused_event: Callable[[str], None]) -> None:
    """Put a guard in front of python-socketio's handling of what a client sends.

    - A packet that does not decode (broken JSON, nesting deeper than the decoder goes,
      a bad header) is dropped with one short line in the log: no traceback, nothing of
      its content. The connection stays and its next event is handled as usual.
    - Binary packets are dropped: reflect's clients never send one, and one that
      announces an attachment would have taken the connection's next message as that
      attachment, stalling its next event.
    - An event named like a lifecycle event (``connect``, ``disconnect``) is refused: a
      client cannot run the connect handler again (a presence write, a snapshot and a
      broadcast each time) or show itself as gone while connected. It has no effect, no
      answer, and counts toward the connection's event limit (``refused_event(sid)``).

    Everything else goes on to python-socketio's own handling, unchanged."""
    reserved = frozenset(server.reserved_events) | {"connect_error"}

    def handle(eio_sid, data):
        if not isinstance(data, str):
            log.warning("socket packet dropped: binary")
            return
        try:
            pkt = server.packet_class(encoded_packet=data)
        except Exception as err:  # noqa: BLE001 - any decoding failure: the packet is dropped
            log.warning("socket packet dropped: %s", type(err).__name__)
            return
        kind = pkt.packet_type
        if kind not in _ACCEPTED:
            log.warning("socket packet dropped: type %s", kind)
            return
        namespace = pkt.namespace or "/"
        if kind == packet.EVENT:
            if not (isinstance(pkt.data, list) and pkt.data and isinstance(pkt.data[0], str)):
                log.warning("socket packet dropped: no event name")
                return
            if pkt.data[0] in reserved:
                sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
                if sid is not None:
                    refused_event(sid)
                return
        try:
            if kind == packet.EVENT:
                server._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
            elif kind == packet.ACK:
                server._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)
            elif kind == packet.CONNECT:
                server._handle_connect(eio_sid, pkt.namespace, pkt.data)
            else:
                server._handle_disconnect(eio_sid, pkt.namespace, server.reason.CLIENT_DISCONNECT)
        except Exception as err:  # noqa: BLE001 - a packet that breaks its handling: the type only
            log.warning("socket packet failed: %s", type(err).__name__)

    server._handle_eio_message = handle  # what Flask-SocketIO's test client calls
    server.eio.on("message", handle)  # what engine.io calls for every message
