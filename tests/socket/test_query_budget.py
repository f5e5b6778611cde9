"""How many SQL statements each of a room's frequent events runs, on both databases: a
budget per event, counted as SQLAlchemy's ``before_cursor_execute`` sees them (SQLite's
``BEGIN`` included; psycopg2 begins PostgreSQL's transactions without a statement of its
own). What the statements are is named in each budget's comment, not pinned: they may
change, their number may not grow past the budget. A card move's count does not grow
with the room."""
from __future__ import annotations

import pytest

from reflect.rooms import broadcast
from tests.socket.conftest import cmd, last_state, statements

P, F = "/phone", "/facilitator"

# A phone command: who asks (the phone and its session, the session's row locked), then
# the command's own statements. SQLite adds its BEGIN IMMEDIATE.
BUDGETS = {
    # the round, the mark looked up, the answer, the mark
    "checkin": 7,
    # the mark (written only if there is none), the answer
    "answer": 5,
    # the mark
    "pass": 4,
    "takeaway": 5,
    "takeaway_pass": 4,
    # the change to the phone's row, the command's record
    "hand": 5,
    # the answer, the reaction (written only if there is none), the count; then the
    # phone's own state for the acknowledgement (revealed answers, its marks, its named
    # answers, its check-ins, its reactions), in a transaction of its own on SQLite
    "react": 12,
}
# A card move, with its broadcast to the phones and the console and the settling of the
# card left: who asks (the session and the signed-in facilitator, the row locked), the
# move and the new card marked shown, the new card's revealed answers, the command's
# record; the console's counts and answers and the cards shown; the settling's lock of
# the session's row, the prompts left unsettled, the card's reactions, its answers read,
# deleted and written again, its marks' command ids cleared, the check-in rounds left
# unsettled. SQLite: two BEGINs, and the new card marked shown on its own.
CARD_MOVE = 22


@pytest.fixture
def held_back(monkeypatch):
    """The throttled console update a phone command schedules (sent at once in this tier,
    once per interval in a server, whatever the number of commands) is held back from
    the command's count: the sessions it was scheduled for."""
    scheduled: list[int] = []
    monkeypatch.setattr(broadcast, "publish_soon", lambda session_id, *_a, **_k: scheduled.append(session_id))
    return scheduled


def _counted(app, client, namespace, event, **payload) -> int:
    with statements(app) as seen:
        ack = cmd(client, namespace, event, **payload)
    assert ack["ok"], (event, ack)
    return len(seen)


def test_each_phone_command_runs_within_its_budget(live, app, held_back):
    console = live.console()
    phones = [live.phone(name=f"Phone {n}") for n in range(3)]
    counts = {}
    cmd(console, F, "phase", to="connect")
    cmd(console, F, "checkin_control", kind="opening", open=True)
    counts["checkin"] = _counted(app, phones[0], P, "checkin", kind="opening", scores={"energy": 4})
    cmd(console, F, "phase", to="reflect")
    card = last_state(phones[0], P)["card"]["id"]
    counts["answer"] = _counted(app, phones[0], P, "answer", card=card, text="She seemed so tired", audience="group")
    counts["pass"] = _counted(app, phones[1], P, "pass", card=card)
    counts["hand"] = _counted(app, phones[2], P, "hand", raised=True)
    assert cmd(console, F, "reveal", card=card)["revealed"] == 1
    answer = last_state(phones[1], P)["revealed"][0]["id"]
    counts["react"] = _counted(app, phones[1], P, "react", answer=answer)
    cmd(console, F, "phase", to="grow")
    counts["takeaway"] = _counted(app, phones[0], P, "takeaway", text="Slowing down helps", audience="group")
    counts["takeaway_pass"] = _counted(app, phones[1], P, "takeaway_pass")
    assert held_back and set(held_back) == {live.session_id}
    over = {event: (n, BUDGETS[event]) for event, n in counts.items() if n > BUDGETS[event]}
    assert not over, over
    assert set(counts) == set(BUDGETS)


def _card_move_in_a_room_of(live, app, size: int) -> int:
    """Statements of a move from a card every phone answered (revealed, one found to
    resonate), with every phone in the room connected."""
    console = live.console()
    phones = [live.phone() for _ in range(size)]
    cmd(console, F, "phase", to="reflect")
    card = last_state(phones[0], P)["card"]["id"]
    for n, phone in enumerate(phones):
        assert cmd(phone, P, "answer", card=card, text=f"Thought number {n}", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["revealed"] == size
    assert cmd(phones[0], P, "react", answer=last_state(phones[1], P)["revealed"][0]["id"])["ok"]
    with statements(app) as seen:
        assert cmd(console, F, "card", action="next")["ok"]
    assert all(last_state(phone, P)["card"]["position"] == 1 for phone in phones)
    assert last_state(console, F)["counts"]["card"] == {"answered": 0, "passed": 0}
    return len(seen)


def test_a_card_move_with_its_broadcast_runs_within_its_budget(live, app):
    assert _card_move_in_a_room_of(live, app, 3) <= CARD_MOVE


@pytest.fixture
def second_live(app):
    """Another session of the same app (its own facilitator and group)."""
    from reflect.db import get_session
    from reflect.models import User
    from reflect.prompts import get_builtin
    from reflect.rooms import groups, lifecycle
    from tests.helpers import sign_in_as
    from tests.socket.conftest import Live

    fclient = app.test_client()
    user_id = sign_in_as(app, fclient, "facilitator", "second@example.org")
    with app.app_context():
        db = get_session()
        user = db.get(User, user_id)
        group = groups.create_group(db, user, "Thursday group", ["Dana"])
        session = lifecycle.create_session(db, user, group, get_builtin("multiple-perspectives"), title="Thursday")
        db.commit()
        return Live(app=app, session_id=session.id, code=session.join_code, facilitator_client=fclient)


def test_a_card_moves_count_does_not_grow_with_the_room(live, second_live, app):
    small = _card_move_in_a_room_of(live, app, 3)
    large = _card_move_in_a_room_of(second_live, app, 12)
    assert small == large <= CARD_MOVE
