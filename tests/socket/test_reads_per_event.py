"""What a busy room's events read: the card on screen is read from the database once
per process (its text is a copy fixed when the session is created); an answer and the
console update it causes do not read it again, yet carry it whole."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from tests.socket.conftest import cmd, last_state, statements

P, F = "/phone", "/facilitator"


def test_an_answer_and_its_console_update_do_not_read_the_card_again_and_carry_it_whole(live):
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="connect")
    cmd(console, F, "phase", to="reflect")  # the card is read here, once
    card = last_state(phone, P)["card"]
    with statements(live.app) as seen:
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


@contextmanager
def _orm_loads(*classes):
    """The ORM objects of ``classes`` built from rows while the block runs."""
    loaded: list[str] = []

    def record(target, _context):
        loaded.append(type(target).__name__)

    for cls in classes:
        event.listen(cls, "load", record)
    try:
        yield loaded
    finally:
        for cls in classes:
            event.remove(cls, "load", record)


def test_an_answer_a_pass_and_a_checkin_read_the_phone_and_its_session_without_orm_objects(live, app, monkeypatch):
    """The commands themselves: the console update they schedule (sent at once in this
    tier, a second later in a server) is held back while they are counted."""
    from sqlalchemy import func, select

    from reflect.rooms import broadcast

    from reflect.db import get_session
    from reflect.models import Answer, CheckinAnswer, GroupSession, Participant

    console, phone, passer = live.console(), live.phone(), live.phone()
    cmd(console, F, "phase", to="connect")
    cmd(console, F, "checkin_control", kind="opening", open=True)
    scheduled: list[int] = []
    send_soon = broadcast.publish_soon
    monkeypatch.setattr(broadcast, "publish_soon", lambda session_id, *_a, **_k: scheduled.append(session_id))
    with _orm_loads(Participant, GroupSession) as loaded:
        assert cmd(phone, P, "checkin", kind="opening", scores={"energy": 4})["ok"]
    assert loaded == [] and scheduled == [live.session_id]
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    with _orm_loads(Participant, GroupSession) as loaded:
        assert cmd(phone, P, "answer", card=card, text="She seemed so tired", audience="group")["ok"]
        assert cmd(passer, P, "pass", card=card)["ok"]
    assert loaded == [] and scheduled == [live.session_id] * 3
    with app.app_context():
        send_soon(live.session_id)  # the console's update, as the server would send it
    # and what they wrote is stored, as before
    with app.app_context():
        db = get_session()
        assert db.scalar(select(func.count()).select_from(CheckinAnswer)) == 1
        assert db.scalars(select(Answer.text)).all() == ["She seemed so tired"]
    assert last_state(console, F)["counts"]["card"] == {"answered": 1, "passed": 1}


def test_a_read_only_view_refuses_a_change():
    import pytest

    from reflect.rooms.views import RowView

    view = RowView({"status": "admitted"})
    assert view.status == "admitted"
    with pytest.raises(AttributeError):
        view.status = "removed"
    with pytest.raises(AttributeError):
        _ = view.missing
    assert view.status == "admitted"


def test_a_console_update_outside_a_command_reads_the_session_without_an_orm_object(live, app):
    """The throttled updates (answers counted, people joining) run in their own unit of
    work: the session is read as a row, and the console still gets it whole."""
    from reflect.models import GroupSession
    from reflect.rooms import broadcast

    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="He kept looking at the door", audience="group")["ok"]
    console.get_received(F)
    with app.app_context(), _orm_loads(GroupSession) as loaded:
        broadcast.publish(live.session_id, phones=False, facilitator_full=False, parts=frozenset({"answers"}))
    assert loaded == []
    update = [m["args"][0] for m in console.get_received(F) if m["name"] == "state"][-1]
    assert update["phase"] == "reflect" and update["card"]["id"] == card
    assert [a["text"] for a in update["answers"]] == ["He kept looking at the door"]


def test_a_card_move_reads_the_revealed_answers_it_sends_as_rows_not_orm_objects(live, app):
    """Back to a card whose answers were revealed: the phones get them (text, author,
    resonates, in reveal order), read as plain rows."""
    from reflect.models import Answer

    console, phone, other = live.console(), live.phone(), live.phone(name="Beto")
    cmd(console, F, "allow_names", value=True)
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="The baby watched her mother", audience="group")["ok"]
    assert cmd(other, P, "answer", card=card, text="I felt rushed", audience="group", named=True)["ok"]
    assert cmd(console, F, "reveal", card=card)["revealed"] == 2
    cmd(console, F, "card", action="next")
    with _orm_loads(Answer) as loaded:
        assert cmd(console, F, "card", action="prev")["ok"]
    public = last_state(phone, P)
    assert loaded == []
    assert public["card"]["id"] == card
    assert sorted((a["text"], a["author"], a["resonates"]) for a in public["revealed"]) == [
        ("I felt rushed", "Beto", 0), ("The baby watched her mother", None, 0)]
    assert all(set(a) == {"id", "text", "author", "resonates"} for a in public["revealed"])


def test_a_facilitator_command_checks_who_is_signed_in_without_orm_objects(live, app):
    """Every facilitator event re-checks the login session (one query); it builds neither
    the login session nor the user as ORM objects."""
    from reflect.models import LoginSession, User

    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    with _orm_loads(User, LoginSession) as loaded:
        assert cmd(console, F, "card", action="next")["ok"]
        # a command that uses who is asking: the tag is theirs
        added = console.emit("tag_add", {"label": "Attachment"}, namespace=F, callback=True)
    assert added["ok"], added
    assert loaded == []
    assert last_state(phone, P)["card"]["position"] == 1
    from reflect.db import get_session
    from reflect.models import GroupSession, ThemeTag

    with app.app_context():
        db = get_session()
        assert db.get(ThemeTag, added["tag"]).owner_id == db.get(GroupSession, live.session_id).facilitator_id


def test_a_card_move_writes_the_session_row_in_one_statement_without_a_flush(live, app):
    """The move, the version and the cleared timer in one UPDATE; the ORM's unit of work
    has nothing left to write (no flush), and the phones and a later read agree."""
    from sqlalchemy.orm import Session

    from reflect.db import get_session
    from reflect.models import GroupSession

    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    assert cmd(console, F, "timer", seconds=120)["ok"]
    before = last_state(phone, P)
    flushes: list[int] = []

    def record(*_args):
        flushes.append(1)

    event.listen(Session, "before_flush", record)
    try:
        with statements(app) as seen:
            assert cmd(console, F, "card", action="next")["ok"]
    finally:
        event.remove(Session, "before_flush", record)
    assert flushes == []
    writes = [s for s in seen if "UPDATE group_sessions" in s]
    assert len(writes) == 1
    after = last_state(phone, P)
    assert after["card"]["position"] == 1 and after["version"] == before["version"] + 1
    assert before["timer_ends_at"] is not None and after["timer_ends_at"] is None
    with app.app_context():
        stored = get_session().get(GroupSession, live.session_id)
        assert (stored.current_position, stored.version, stored.timer_ends_at) == (1, after["version"], None)
    assert cmd(console, F, "card", action="prev")["ok"] and last_state(phone, P)["card"]["position"] == 0


def test_a_card_move_sends_the_phones_their_state_with_no_query_after_its_commit(live, app, monkeypatch):
    """The phones' state of a move is read in the move's own transaction, so their packets
    leave as soon as it commits; what they get is what was committed, revealed answers
    included; the console is sent its state after them."""
    from reflect.extensions import socketio

    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="The baby watched her mother", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["revealed"] == 1
    assert cmd(console, F, "card", action="next")["ok"]
    engine = app.extensions["reflect.store"].engine
    steps: list[str] = []
    emit = socketio.emit

    def emitted(name, payload=None, **kwargs):
        if name == "state":
            steps.append(f"emit {kwargs.get('namespace')}")
        return emit(name, payload, **kwargs)

    def committed(_conn):
        steps.append("commit")

    def queried(*_args):
        steps.append("query")

    monkeypatch.setattr(socketio, "emit", emitted)
    event.listen(engine, "commit", committed)
    event.listen(engine, "before_cursor_execute", queried)
    try:
        assert cmd(console, F, "card", action="prev")["ok"]
    finally:
        event.remove(engine, "commit", committed)
        event.remove(engine, "before_cursor_execute", queried)
    assert "query" in steps
    first_phone = steps.index(f"emit {P}")
    assert "commit" in steps[:first_phone]
    last_commit = max(i for i, step in enumerate(steps[:first_phone]) if step == "commit")
    assert steps[last_commit + 1:first_phone] == []  # no query between the commit and the phones
    assert steps.index(f"emit {F}") > first_phone
    public = last_state(phone, P)
    assert public["card"]["id"] == card
    assert [a["text"] for a in public["revealed"]] == ["The baby watched her mother"]


def test_an_answer_writes_its_mark_and_itself_in_one_statement_on_postgresql(live, app):
    """Each statement is a round trip to PostgreSQL: there the mark and the answer go in
    one (the answer inserted only if the mark was), the one write of an answer (no
    command record: see reflect/rooms/commands.py). SQLite, in the process, keeps them
    apart."""
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    with statements(app) as seen:
        assert cmd(phone, P, "answer", card=card, text="She held the baby close", audience="group")["ok"]
    writes = [s for s in seen if "INSERT" in s.upper()]
    postgresql = app.extensions["reflect.store"].engine.dialect.name == "postgresql"
    assert len(writes) == (1 if postgresql else 2), writes  # the mark and the answer; no command record
    assert [a["text"] for a in last_state(console, F)["answers"]] == ["She held the baby close"]
    assert last_state(console, F)["counts"]["card"] == {"answered": 1, "passed": 0}


def test_a_card_move_reads_and_writes_in_fewstatements(live, app):
    """Who asks and the session's locked row come in one query on both databases (a
    demoted or signed-out account gets no row); on PostgreSQL the statement that moves
    the session also marks the new card shown (a data-modifying WITH); SQLite, in the
    process, keeps them apart. Then the new card's revealed answers, which the phones
    get, and the command's record. (On PostgreSQL all but the first travel in the
    commit's message: tests/socket/test_round_trips.py.)"""
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    with statements(app) as seen:
        assert cmd(console, F, "card", action="next")["ok"]
    postgresql = app.extensions["reflect.store"].engine.dialect.name == "postgresql"
    logins = [s for s in seen if "login_sessions" in s]
    assert len(logins) == 1 and "FROM group_sessions" in logins[0], logins
    if postgresql:
        assert "FOR UPDATE OF group_sessions" in logins[0]
    moves = [s for s in seen if "UPDATE group_sessions" in s]
    marks = [s for s in seen if "UPDATE session_cards" in s]
    assert len(moves) == 1 and len(marks) == 1
    assert (moves == marks) is postgresql, seen
    before_commit = seen[:seen.index(next(s for s in seen if "INSERT INTO processed_commands" in s)) + 1]
    assert len([s for s in before_commit if s != "BEGIN IMMEDIATE"]) == (4 if postgresql else 5), before_commit
    assert len([s for s in before_commit if "FROM answers" in s]) == 1, before_commit
    assert last_state(phone, P)["card"]["position"] == 1
    with app.app_context():
        from reflect.db import get_session
        from reflect.models import SessionCard

        shown = get_session().scalars(select(SessionCard.position).where(SessionCard.session_id == live.session_id,
                                                                         SessionCard.shown_at.is_not(None)))
        assert sorted(shown) == [0, 1]
