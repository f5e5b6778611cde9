"""An anonymous command (an answer, a pass, a takeaway, its pass) sent again by the
phone after its first run was committed: the service acknowledges it as the first time
and writes nothing, even when the room has moved on since; its retry is known by the
command id on the phone's mark, never by a record naming the phone."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from reflect.db import get_session
from reflect.models import Answer, GroupSession, Participant, ProcessedCommand, ResponseMark
from reflect.rooms import answers, lifecycle
from reflect.rooms.errors import RoomError
from tests.socket.conftest import cmd, last_state

P, F = "/phone", "/facilitator"


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def _room(live, phase: str, phones: int = 2) -> list[int]:
    """The session moved to ``phase`` with ``phones`` phones joined; their participant ids."""
    console = live.console()
    for _ in range(phones):
        live.phone()
    cmd(console, F, "phase", to=phase)
    with live.app.app_context():
        return list(get_session().scalars(select(Participant.id).where(Participant.session_id == live.session_id)
                                          .order_by(Participant.id)))


def _unit(db) -> GroupSession:
    """A unit of work of its own, with the session read afresh."""
    db.commit()
    return db.get(GroupSession, db.info["session_id"])


@contextmanager
def _database(live):
    """The app's database session, for units of work on ``live``'s session (``_unit``)."""
    with live.app.app_context():
        db = get_session()
        db.info["session_id"] = live.session_id
        try:
            yield db
        finally:
            db.rollback()


def test_an_answer_sent_again_writes_nothing_and_another_command_is_refused(live):
    me, _other = _room(live, "reflect")
    with _database(live) as db:
        session = _unit(db)
        card = lifecycle.current_card_id(db, session)
        first = answers.answer_card(db, session, db.get(Participant, me), card, "She seemed tired", audience="group",
                                    named=False, command_id="answer-1")
        assert first is not None and first.text == "She seemed tired"
        session = _unit(db)
        assert answers.answer_card(db, session, db.get(Participant, me), card, "She seemed tired", audience="group",
                                   named=False, command_id="answer-1") is None
        session = _unit(db)
        with pytest.raises(RoomError) as refused:
            answers.answer_card(db, session, db.get(Participant, me), card, "Another thought", audience="group",
                                named=False, command_id="answer-2")
        assert refused.value.code == "already_responded"
        with pytest.raises(RoomError) as refused:
            answers.pass_card(db, session, db.get(Participant, me), card, command_id="pass-1")
        assert refused.value.code == "already_responded"
        db.rollback()
        assert db.scalars(select(Answer.text)).all() == ["She seemed tired"]
        assert _count(db, ResponseMark) == 1


def test_an_answer_and_a_pass_sent_again_after_the_card_moved_on_are_acknowledged(live):
    """The card moved on before its answers were settled: the retry is still known by the
    mark, and acknowledged; a new command on that card is refused as before."""
    me, other = _room(live, "reflect")
    with _database(live) as db:
        session = _unit(db)
        card = lifecycle.current_card_id(db, session)
        answers.answer_card(db, session, db.get(Participant, me), card, "The room was loud", audience="group",
                            named=False, command_id="answer-1")
        answers.pass_card(db, session, db.get(Participant, other), card, command_id="pass-1")
        session = _unit(db)
        lifecycle.move_card(db, session, "next")
        session = _unit(db)
        assert lifecycle.current_card_id(db, session) != card
        assert answers.answer_card(db, session, db.get(Participant, me), card, "The room was loud", audience="group",
                                   named=False, command_id="answer-1") is None
        answers.pass_card(db, session, db.get(Participant, other), card, command_id="pass-1")
        session = _unit(db)
        for command_id in ("answer-2", "pass-1"):  # another command; the other phone's command id
            with pytest.raises(RoomError) as refused:
                answers.answer_card(db, session, db.get(Participant, me), card, "Later", audience="group", named=False,
                                    command_id=command_id)
            assert refused.value.code == "card_not_current"
        db.rollback()
        assert db.scalars(select(Answer.text)).all() == ["The room was loud"]
        assert sorted(db.scalars(select(ResponseMark.passed))) == [False, True]


def test_a_takeaway_and_its_pass_sent_again_are_acknowledged_even_once_the_phase_changed(live):
    me, other = _room(live, "grow")
    with _database(live) as db:
        session = _unit(db)
        answers.submit_takeaway(db, session, db.get(Participant, me), "Rest", audience="group", command_id="take-1")
        answers.pass_takeaway(db, session, db.get(Participant, other), command_id="take-pass-1")
        session = _unit(db)
        answers.submit_takeaway(db, session, db.get(Participant, me), "Rest", audience="group", command_id="take-1")
        answers.pass_takeaway(db, session, db.get(Participant, other), command_id="take-pass-1")
        with pytest.raises(RoomError) as refused:
            answers.pass_takeaway(db, session, db.get(Participant, me), command_id="take-pass-2")
        assert refused.value.code == "already_responded"
        session = _unit(db)
        session.phase = "reflect"  # the phase moved on before the takeaways were settled
        answers.submit_takeaway(db, session, db.get(Participant, me), "Rest", audience="group", command_id="take-1")
        answers.pass_takeaway(db, session, db.get(Participant, other), command_id="take-pass-1")
        with pytest.raises(RoomError) as refused:
            answers.submit_takeaway(db, session, db.get(Participant, me), "Rest", audience="group", command_id="take-2")
        assert refused.value.code == "not_in_phase"
        db.rollback()
        assert db.scalars(select(Answer.text).where(Answer.kind == "takeaway")).all() == ["Rest"]
        assert sorted(db.scalars(select(ResponseMark.passed))) == [False, True]


def test_a_retry_after_its_card_was_settled_is_refused(live):
    """Settling clears the marks' command ids: from then on nothing ties the phone to
    the command that wrote its answer, and a retry is refused as any command is."""
    me, _other = _room(live, "reflect")
    with _database(live) as db:
        session = _unit(db)
        card = lifecycle.current_card_id(db, session)
        answers.answer_card(db, session, db.get(Participant, me), card, "Tired", audience="group", named=False,
                            command_id="answer-1")
        session = _unit(db)
        lifecycle.move_card(db, session, "next")
        session = _unit(db)
        lifecycle.settle_left_behind(db, session)
        session = _unit(db)
        with pytest.raises(RoomError) as refused:
            answers.answer_card(db, session, db.get(Participant, me), card, "Tired", audience="group", named=False,
                                command_id="answer-1")
        assert refused.value.code == "card_not_current"


def test_anonymous_commands_sent_twice_are_acknowledged_twice_and_recorded_nowhere(live, app):
    console, phone, passer = live.console(), live.phone(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    sends = [(phone, "answer", {"cid": "answer-once-1", "card": card, "text": "Quiet", "audience": "group"}),
             (passer, "pass", {"cid": "pass-once-1", "card": card})]
    for client, event, payload in sends:
        first = client.emit(event, payload, namespace=P, callback=True)
        assert first["ok"], (event, first)
        assert client.emit(event, payload, namespace=P, callback=True) == first
    cmd(console, F, "phase", to="grow")
    sends = [(phone, "takeaway", {"cid": "takeaway-once-1", "text": "Rest", "audience": "group"}),
             (passer, "takeaway_pass", {"cid": "takeaway-pass-once-1"})]
    for client, event, payload in sends:
        first = client.emit(event, payload, namespace=P, callback=True)
        assert first["ok"], (event, first)
        assert client.emit(event, payload, namespace=P, callback=True) == first
    with app.app_context():
        db = get_session()
        assert sorted(db.scalars(select(Answer.text))) == ["Quiet", "Rest"]
        phone_records = select(func.count()).select_from(ProcessedCommand).where(ProcessedCommand.actor.like("p:%"))
        assert db.scalar(phone_records) == 0
