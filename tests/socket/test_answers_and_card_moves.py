"""What an answer and a card move do, as the phones, the console and storage see it."""
from __future__ import annotations

from sqlalchemy import func, select

from reflect.db import get_session
from reflect.extensions import socketio
from reflect.models import GroupSession, ProcessedCommand, SessionCard
from reflect.rooms import broadcast
from tests.socket.conftest import cmd, last_state

P, F = "/phone", "/facilitator"


def test_an_answer_and_its_console_update_carry_the_card_whole(live):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="connect")
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]
    assert cmd(phone, P, "answer", card=card["id"], text="She seemed so tired", audience="group")["ok"]
    console_state = last_state(console, F)
    assert [a["text"] for a in console_state["answers"]] == ["She seemed so tired"]
    assert console_state["counts"]["card"] == {"answered": 1, "passed": 0}
    assert console_state["card"] == card  # text, follow-up, perspective and position, as the phone got it


def test_a_second_answer_to_the_same_card_is_refused_and_leaves_one_mark(live):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="First thought", audience="group")["ok"]
    again = cmd(phone, P, "answer", card=card, text="Second thought", audience="group")
    assert again["ok"] is False and again["error"]["code"] == "already_responded"
    passed = cmd(phone, P, "pass", card=card)
    assert passed["ok"] is False and passed["error"]["code"] == "already_responded"
    state = last_state(console, F)
    assert [a["text"] for a in state["answers"]] == ["First thought"]
    assert state["counts"]["card"] == {"answered": 1, "passed": 0}


def test_a_console_update_outside_a_command_carries_the_session_whole(live, app):
    """The throttled updates (answers counted, people joining) run in their own unit of
    work, and the console still gets the session whole."""
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="He kept looking at the door", audience="group")["ok"]
    console.get_received(F)
    with app.app_context():
        broadcast.publish(live.session_id, phones=False, facilitator_full=False, parts=frozenset({"answers"}))
    update = [m["args"][0] for m in console.get_received(F) if m["name"] == "state"][-1]
    assert update["phase"] == "reflect" and update["card"]["id"] == card
    assert [a["text"] for a in update["answers"]] == ["He kept looking at the door"]


def test_back_to_a_card_the_phones_get_its_revealed_answers(live):
    """Text, author and resonates, in reveal order, and nothing else of them."""
    console, phone, other = live.console(), live.phone(), live.phone(name="Beto")
    cmd(console, F, "allow_names", value=True)
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="The baby watched her mother", audience="group")["ok"]
    assert cmd(other, P, "answer", card=card, text="I felt rushed", audience="group", named=True)["ok"]
    assert cmd(console, F, "reveal", card=card)["revealed"] == 2
    cmd(console, F, "card", action="next")
    assert last_state(phone, P)["revealed"] == []
    assert cmd(console, F, "card", action="prev")["ok"]
    public = last_state(phone, P)
    assert public["card"]["id"] == card
    assert sorted((a["text"], a["author"], a["resonates"]) for a in public["revealed"]) == [
        ("I felt rushed", "Beto", 0), ("The baby watched her mother", None, 0)]
    assert all(set(a) == {"id", "text", "author", "resonates"} for a in public["revealed"])


def test_a_card_move_clears_the_timer_and_moves_the_version_once(live, app):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    assert cmd(console, F, "timer", seconds=120)["ok"]
    before = last_state(phone, P)
    assert cmd(console, F, "card", action="next")["ok"]
    after = last_state(phone, P)
    assert after["card"]["position"] == 1 and after["version"] == before["version"] + 1
    assert before["timer_ends_at"] is not None and after["timer_ends_at"] is None
    with app.app_context():
        stored = get_session().get(GroupSession, live.session_id)
        assert (stored.current_position, stored.version, stored.timer_ends_at) == (1, after["version"], None)
    assert cmd(console, F, "card", action="prev")["ok"] and last_state(phone, P)["card"]["position"] == 0


def test_a_card_move_marks_each_card_shown(live, app):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    assert cmd(console, F, "card", action="next")["ok"]
    assert last_state(phone, P)["card"]["position"] == 1
    with app.app_context():
        shown = get_session().scalars(select(SessionCard.position).where(SessionCard.session_id == live.session_id,
                                                                         SessionCard.shown_at.is_not(None)))
        assert sorted(shown) == [0, 1]


def test_a_card_move_reaches_the_phones_before_the_console(live, monkeypatch):
    """The phones get the new card, with its revealed answers as committed, first; the
    console is sent its state after them."""
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="The baby watched her mother", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["revealed"] == 1
    assert cmd(console, F, "card", action="next")["ok"]
    sent: list[str] = []
    emit = socketio.emit

    def emitted(name, payload=None, **kwargs):
        if name == "state":
            sent.append(kwargs.get("namespace"))
        return emit(name, payload, **kwargs)

    monkeypatch.setattr(socketio, "emit", emitted)
    assert cmd(console, F, "card", action="prev")["ok"]
    assert P in sent and F in sent and sent.index(P) < sent.index(F)
    public = last_state(phone, P)
    assert public["card"]["id"] == card
    assert [a["text"] for a in public["revealed"]] == ["The baby watched her mother"]


def test_a_card_move_sent_twice_moves_once_and_is_recorded_once(live, app):
    console = live.console()
    cmd(console, F, "phase", to="reflect")
    payload = {"cid": "move-sent-twice", "action": "next"}
    first = console.emit("card", payload, namespace=F, callback=True)
    again = console.emit("card", payload, namespace=F, callback=True)
    assert first["ok"] and again == first
    assert last_state(console, F)["card"]["position"] == 1
    with app.app_context():
        records = select(func.count()).select_from(ProcessedCommand).where(
            ProcessedCommand.command_id == "move-sent-twice")
        assert get_session().scalar(records) == 1
