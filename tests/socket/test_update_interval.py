"""The facilitator's and the display's updates for what changes many times a second
(phones connecting, answers counted, hands raised) are sent at most once per
REFLECT_UPDATE_INTERVAL_MS per session (a lone one at once), carrying the latest state;
what phones share (a new card, revealed answers) goes out at once, to every audience."""
from __future__ import annotations

import time

import pytest

from tests.conftest import make_test_app
from tests.socket.conftest import cmd, events, last_state

P, F, D = "/phone", "/facilitator", "/display"
INTERVAL_MS = 2000  # long enough that five answers sent in a row fall within one


@pytest.fixture
def app(database_url, tmp_path):
    """The suite's app, but with updates held back for INTERVAL_MS."""
    app = make_test_app(database_url, tmp_path / "instance", REFLECT_UPDATE_INTERVAL_MS=INTERVAL_MS)
    from reflect.extensions import limiter

    limiter.reset()
    yield app
    app.extensions["reflect.store"].engine.dispose()


def _wait_for(predicate, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _states(client, namespace):
    return [m["args"][0] for m in events(client, namespace) if m["name"] == "state"]


def test_many_answers_reach_the_facilitator_as_few_updates_with_the_latest_counts(live):
    console, display = live.console(), live.display()
    phones = [live.phone() for _ in range(5)]
    cmd(console, F, "phase", to="reflect")
    card = last_state(phones[0], P)["card"]["id"]
    # everything sent so far (connects, the phase change) has arrived
    assert _wait_for(lambda: last_state(console, F)["counts"]["here"] == 5)
    before_console, before_display = len(_states(console, F)), len(_states(display, D))

    for number, phone in enumerate(phones):
        assert cmd(phone, P, "answer", card=card, text=f"A thought {number}", audience="group", named=False)["ok"]

    assert _wait_for(lambda: last_state(console, F)["counts"]["card"] == {"answered": 5, "passed": 0})
    assert _wait_for(lambda: last_state(display, D)["counts"]["card"] == {"answered": 5, "passed": 0})
    assert len(last_state(console, F)["answers"]) == 5
    # five answers within one interval: at most two updates each (one at once, one when
    # the interval ends), not five
    assert 1 <= len(_states(console, F)) - before_console <= 2
    assert 1 <= len(_states(display, D)) - before_display <= 2


def test_a_raised_hand_reaches_the_facilitator_whether_or_not_an_update_just_went(live):
    console = live.console()
    phone = live.phone(name="Ana")
    # the phone's connect has just sent the facilitator an update: the hand's waits for
    # the interval's end, and then goes
    assert cmd(phone, P, "hand", raised=True)["ok"]
    assert _wait_for(lambda: [p["name"] for p in last_state(console, F)["hands"]] == ["Ana"])
    assert cmd(phone, P, "hand", raised=False)["ok"]
    assert _wait_for(lambda: last_state(console, F)["hands"] == [])


def test_what_phones_share_goes_to_every_audience_at_once(live):
    console, display = live.console(), live.display()
    phone = live.phone()
    cmd(console, F, "phase", to="reflect")
    # no waiting: the new card is in every audience's latest state as soon as the command returns
    assert cmd(console, F, "card", action="next")["ok"]
    assert last_state(phone, P)["card"]["position"] == 1
    assert last_state(display, D)["card"]["position"] == 1
    assert last_state(console, F)["card"]["position"] == 1


def test_updates_for_presence_and_answers_leave_out_the_notes_the_console_already_has(live):
    console = live.console()
    assert console.emit("note_save", {"note": "note-0001", "text": "Noticing my own hurry", "tags": []},
                        namespace=F, callback=True)["ok"]
    full = [m["args"][0] for m in events(console, F) if m["name"] == "state"][-1]
    assert "partial" not in full and [n["text"] for n in full["notes"]] == ["Noticing my own hurry"]
    live.phone(name="Ana")  # a phone connecting: a presence update
    assert _wait_for(lambda: last_state(console, F)["counts"]["here"] == 1)
    partial = [m["args"][0] for m in events(console, F) if m["name"] == "state"][-1]
    assert partial["partial"] is True
    assert "notes" not in partial and "tags" not in partial and "cards" not in partial
    # what the console shows: the partial merged into the last full state, notes kept
    assert [n["text"] for n in last_state(console, F)["notes"]] == ["Noticing my own hurry"]


def test_an_answers_update_carries_the_answers_and_card_counts_and_keeps_who_is_here(live):
    console = live.console()
    phones = [live.phone(name=name) for name in ("Ana", "Beto", "Carla")]
    cmd(console, F, "phase", to="reflect")
    card = last_state(phones[0], P)["card"]["id"]
    assert _wait_for(lambda: last_state(console, F)["counts"]["here"] == 3)
    time.sleep(INTERVAL_MS / 1000)  # the presence updates have gone: the next update is the answer's alone
    before = len(_states(console, F))
    assert cmd(phones[0], P, "answer", card=card, text="A quiet moment", audience="group", named=False)["ok"]
    assert _wait_for(lambda: len(_states(console, F)) > before)
    update = _states(console, F)[before]
    assert update["partial"] is True
    # what an answer changes: the card's answers and counts, nothing about who is here
    assert update["counts"] == {"card": {"answered": 1, "passed": 0}}
    assert [a["text"] for a in update["answers"]] == ["A quiet moment"]
    assert not {"participants", "hands", "talk_after", "checkins", "takeaways"} & update.keys()
    # merged as the console merges it: the people and their counts are still there
    shown = last_state(console, F)
    assert shown["counts"]["here"] == 3 and shown["counts"]["card"] == {"answered": 1, "passed": 0}
    assert sorted(p["name"] for p in shown["participants"]) == ["Ana", "Beto", "Carla"]


def test_a_hand_and_an_answer_within_one_interval_share_one_update_with_both_parts(live):
    console = live.console()
    phone = live.phone(name="Ana")
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert _wait_for(lambda: last_state(console, F)["counts"]["here"] == 1)
    before = len(_states(console, F))
    assert cmd(phone, P, "hand", raised=True)["ok"]  # within the interval of the phase change's update
    assert cmd(phone, P, "answer", card=card, text="Holding both", audience="group", named=False)["ok"]
    assert _wait_for(lambda: [p["name"] for p in last_state(console, F)["hands"]] == ["Ana"]
                     and len(last_state(console, F)["answers"]) == 1)
    updates = _states(console, F)[before:]
    assert len(updates) <= 2
    assert {"hands", "participants", "answers"} <= updates[-1].keys()


def test_a_card_move_sends_the_console_the_new_card_its_answers_and_the_cards_shown_keeping_notes(live):
    console = live.console()
    phone = live.phone(name="Ana")
    assert console.emit("note_save", {"note": "note-0002", "text": "The room felt tired", "tags": []},
                        namespace=F, callback=True)["ok"]
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="On the first card", audience="group", named=False)["ok"]
    assert _wait_for(lambda: len(last_state(console, F)["answers"]) == 1)
    before = len(_states(console, F))

    assert cmd(console, F, "card", action="next")["ok"]

    # sent at once, not held back by the interval
    move = _states(console, F)[before]
    assert move["partial"] is True and move["card"]["position"] == 1
    # the new card has no answers yet; the first card's are not carried over
    assert move["answers"] == [] and move["counts"] == {"card": {"answered": 0, "passed": 0}}
    assert [c["shown"] for c in move["cards"][:3]] == [True, True, False]
    assert not {"notes", "tags", "participants", "checkins", "takeaways"} & move.keys()
    # what the console shows: the notes and the people from before, the new card's answers
    shown = last_state(console, F)
    assert [n["text"] for n in shown["notes"]] == ["The room felt tired"]
    assert [p["name"] for p in shown["participants"]] == ["Ana"]
    assert shown["answers"] == []


def test_a_throttled_update_reads_without_a_transaction_on_postgresql(live):
    """Under READ COMMITTED every statement reads its own snapshot, so a transaction around
    an update's reads only adds two round trips (its BEGIN and its end): on PostgreSQL
    every statement of the delayed update runs with none open. SQLite keeps its
    transaction: one snapshot for all the update's reads, at no round trip's cost."""
    import threading

    from sqlalchemy import event

    engine = live.app.extensions["reflect.store"].engine
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="A first thought", audience="group")["ok"]
    assert _wait_for(lambda: last_state(console, F)["counts"]["card"]["answered"] == 1)

    here = threading.get_ident()
    seen: list[bool] = []  # for each statement of the delayed update: a transaction open?

    def record(conn, _cursor, _statement, *_args):
        if threading.get_ident() == here:
            return  # the phone's own command, run in this thread
        raw = conn.connection.dbapi_connection
        if engine.dialect.name == "postgresql":
            import psycopg2.extensions

            seen.append(raw.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE)
        else:
            seen.append(raw.in_transaction)

    event.listen(engine, "before_cursor_execute", record)
    try:
        # the first update went at once, so this one waits for the interval's end
        assert cmd(live.phone(), P, "answer", card=card, text="A second thought", audience="group")["ok"]
        assert _wait_for(lambda: last_state(console, F)["counts"]["card"]["answered"] == 2)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(seen) >= 2, seen  # the session, the card's counts and answers
    if engine.dialect.name == "postgresql":
        assert not any(seen), seen
    else:
        assert all(seen[1:]), seen  # pysqlite's BEGIN is ours, run before the first statement


def test_a_burst_of_reactions_reaches_the_phones_as_few_updates_with_the_latest_counts(live):
    console = live.console()
    phones = [live.phone() for _ in range(5)]
    cmd(console, F, "phase", to="reflect")
    card = last_state(phones[0], P)["card"]["id"]
    assert cmd(phones[0], P, "answer", card=card, text="Something to react to", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["ok"]
    answer = last_state(phones[0], P)["revealed"][0]["id"]
    watcher = phones[4]
    before = len(_states(watcher, P))

    for phone in phones:
        assert cmd(phone, P, "react", answer=answer)["ok"]

    assert _wait_for(lambda: last_state(watcher, P)["revealed"][0]["resonates"] == 5)
    # five reactions within one interval: at most two states to each phone, not five
    assert 1 <= len(_states(watcher, P)) - before <= 2
    assert _wait_for(lambda: last_state(console, F)["answers"][0]["resonates"] == 5)
