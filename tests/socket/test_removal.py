"""A removal can be undone: the facilitator sees who was removed and can let them back in."""
from tests.socket.conftest import cmd, last_state

F, P = "/facilitator", "/phone"


def test_a_removed_person_is_listed_apart_and_can_be_let_back_in(live):
    console = live.console()
    cmd(console, F, "phase", to="reflect")
    phone = live.phone(name="Ana")
    ana = next(p["id"] for p in last_state(console, F)["participants"] if p["name"] == "Ana")

    assert cmd(console, F, "remove", participant=ana)["ok"]
    state = last_state(console, F)
    assert ana not in [p["id"] for p in state["participants"]]
    assert [p["id"] for p in state["removed"]] == [ana]
    card = state["card"]["id"]
    assert not cmd(phone, P, "answer", card=card, text="let me in", audience="group")["ok"]

    assert cmd(console, F, "admit", participant=ana)["ok"]
    state = last_state(console, F)
    assert ana in [p["id"] for p in state["participants"]] and state["removed"] == []
    phone.emit("sync", {}, namespace=P, callback=True)  # as the nudge makes the phone do
    assert cmd(phone, P, "answer", card=card, text="back in", audience="group")["ok"]
    cmd(console, F, "card", action="next")
    assert last_state(phone, P)["card"]["id"] != card  # in the group's room again


def test_a_phone_waiting_to_be_let_in_learns_that_the_session_ended(live):
    console = live.console()
    assert cmd(console, F, "lock", value=True)["ok"]
    waiting = live.phone(name="Late")
    waiting.get_received(P)
    assert cmd(console, F, "phase", to="ended")["ok"]
    told = [m["name"] for m in waiting.get_received(P)]
    assert "sync_needed" in told
    snapshot = waiting.emit("sync", {}, namespace=P, callback=True)["snapshot"]
    assert snapshot["public"]["phase"] == "ended" and snapshot["me"]["status"] == "waiting"
