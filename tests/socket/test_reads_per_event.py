"""What a busy room's events read: the card on screen is read from the database once
per process (its text is a copy fixed when the session is created); an answer and the
console update it causes do not read it again, yet carry it whole."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.socket.conftest import cmd, last_state

P, F = "/phone", "/facilitator"


@contextmanager
def _statements(app):
    engine = app.extensions["reflect.store"].engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_an_answer_and_its_console_update_do_not_read_the_card_again_and_carry_it_whole(live):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="connect")
    cmd(console, F, "phase", to="reflect")  # the card is read here, once
    card = last_state(phone, P)["card"]
    with _statements(live.app) as seen:
        assert cmd(phone, P, "answer", card=card["id"], text="She seemed so tired", audience="group")["ok"]
    console_state = last_state(console, F)
    assert [a["text"] for a in console_state["answers"]] == ["She seemed so tired"]
    assert console_state["counts"]["card"] == {"answered": 1, "passed": 0}
    assert console_state["card"] == card  # text, follow-up, perspective and position, as the phone got it
    assert seen and not [s for s in seen if "session_cards" in s]


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
