"""An empty answer or takeaway gets the service's own words ("Write something first, or
choose pass."), not the schema's generic "That request was not valid"."""
from tests.socket.conftest import cmd, last_state

F, P = "/facilitator", "/phone"


def test_an_empty_answer_is_refused_as_empty_not_as_invalid(live):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(console, F)["card"]["id"]
    for text in ("", "   "):
        reply = cmd(phone, P, "answer", card=card, text=text, audience="group")
        assert reply["ok"] is False and reply["error"]["code"] == "text_empty", reply
        assert reply["error"]["message"] == "Write something first, or choose pass."
    assert cmd(phone, P, "answer", card=card, text="Now something", audience="group")["ok"]


def test_an_empty_takeaway_is_refused_as_empty_not_as_invalid(live):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="grow")
    reply = cmd(phone, P, "takeaway", text="", audience="group")
    assert reply["ok"] is False and reply["error"]["code"] == "text_empty", reply
    assert cmd(phone, P, "takeaway", text="Rest", audience="group")["ok"]
