"""The server's packet class: JSON states pass as they are; bytes are refused, not sent."""
from __future__ import annotations

import pytest

from reflect.rooms.packets import JsonPacket


def test_a_state_is_encoded_as_a_plain_json_event():
    packet = JsonPacket(data=["state", {"version": 3, "participants": [{"id": 1, "name": "Ana"}]}], namespace="/phone")
    assert packet.encode() == '2/phone,["state",{"version":3,"participants":[{"id":1,"name":"Ana"}]}]'


def test_bytes_are_refused_rather_than_sent_some_other_way():
    packet = JsonPacket(data=["state", {"blob": b"\x00\x01"}], namespace="/phone")
    with pytest.raises(TypeError):
        packet.encode()


def test_the_app_uses_it(app):
    from reflect.extensions import socketio

    assert socketio.server.packet_class is JsonPacket
