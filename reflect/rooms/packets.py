"""The Socket.IO packet class reflect's server uses: python-socketio's own, told that
what reflect sends is never binary.

python-socketio walks every emitted payload, item by item, to find bytes that would
need binary attachments. reflect's payloads are JSON states (a facilitator's state for
a room of 300 holds thousands of items), so that walk was a large share of a broadcast's
CPU. Nothing reflect sends is binary; were bytes ever passed, JSON encoding would refuse
them loudly rather than send something else."""
from __future__ import annotations

from socketio.packet import Packet


class JsonPacket(Packet):
    @classmethod
    def data_is_binary(cls, data) -> bool:
        return False
