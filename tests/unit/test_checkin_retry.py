"""A check-in sent again with its command id (the first run committed, its acknowledgement
lost) is known by the mark it wrote: ``checkins.submit`` writes nothing and returns, as
the first run did. A check-in by another command is still refused. No record of the
command is ever kept: one naming the phone next to the anonymous answer would link them."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from reflect.auth import accounts
from reflect.db import begin_write, get_session, get_store
from reflect.models import CheckinAnswer, CheckinMark, CheckinRound, GroupSession, Participant, ProcessedCommand, User
from reflect.prompts import get_builtin
from reflect.rooms import checkins, groups, lifecycle
from reflect.rooms.errors import RoomError


@pytest.fixture
def room(app):
    """A session in its opening check-in, with one admitted participant: (session id, participant id)."""
    with app.app_context():
        db = get_session()
        user = accounts.create_user(db, email="fac@example.org", role="facilitator", password="a long enough password")
        db.flush()
        group = groups.create_group(db, db.get(User, user.id), "Tuesday group", [])
        session = lifecycle.create_session(db, user, group, get_builtin("multiple-perspectives"), title="Tuesday")
        lifecycle.set_phase(db, session, "connect")
        participant = Participant(session_id=session.id, token_hash="t" * 64, status="admitted", locale="en")
        db.add(participant)
        db.commit()
        return session.id, participant.id


def _check_in(db, session_id: int, participant_id: int, cid: str, *, score: int = 4) -> None:
    begin_write(db)
    session, participant = db.get(GroupSession, session_id), db.get(Participant, participant_id)
    checkins.submit(db, session, participant, "opening", passed=False, scores={"energy": score}, command_id=cid)


def _stored(db) -> tuple[int, int, int]:
    """How many check-in answers, check-in marks and command records there are."""
    return tuple(db.scalar(select(func.count()).select_from(model))
                 for model in (CheckinAnswer, CheckinMark, ProcessedCommand))


def test_the_same_command_again_writes_nothing_and_returns(app, room):
    session_id, participant_id = room
    with app.app_context():
        db = get_session()
        _check_in(db, session_id, participant_id, "c-1")
        db.commit()
        assert _stored(db) == (1, 1, 0)
        _check_in(db, session_id, participant_id, "c-1", score=2)  # resent: no error
        db.commit()
        assert _stored(db) == (1, 1, 0)
        assert [a.scores for a in db.scalars(select(CheckinAnswer))] == [{"energy": 4}]


def test_the_same_command_is_known_after_its_round_has_closed(app, room):
    session_id, participant_id = room
    with app.app_context():
        db = get_session()
        _check_in(db, session_id, participant_id, "c-1")
        db.commit()
        # closed, its marks not settled yet: the mark still carries the command id
        db.scalar(select(CheckinRound).where(CheckinRound.session_id == session_id)).status = "closed"
        db.commit()
        _check_in(db, session_id, participant_id, "c-1")
        db.commit()
        assert _stored(db) == (1, 1, 0)
        with pytest.raises(RoomError) as err:  # another check-in: the round is closed
            _check_in(db, session_id, participant_id, "c-2")
        assert err.value.code == "checkin_not_open"


def test_another_command_is_refused_as_already_checked_in(app, room):
    session_id, participant_id = room
    with app.app_context():
        db = get_session()
        _check_in(db, session_id, participant_id, "c-1")
        db.commit()
        with pytest.raises(RoomError) as err:
            _check_in(db, session_id, participant_id, "c-2")
        assert err.value.code == "already_checked_in"
        db.rollback()
        assert _stored(db) == (1, 1, 0)


@pytest.mark.parametrize("second_cid, refused", [("c-1", False), ("c-2", True)])
def test_a_check_in_racing_its_twin_is_written_once(app, room, second_cid, refused):
    """Two units of work check the same phone in at once: the second waits for the first
    to commit (PostgreSQL: on the mark's key; SQLite: for the writer's lock), then
    writes nothing. The same command returns; another is refused; neither raises a
    database error."""
    session_id, participant_id = room
    first_written, first_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with app.app_context():
            db = get_store().session_factory()
            try:
                _check_in(db, session_id, participant_id, "c-1")
                db.flush()
                first_written.set()
                first_may_commit.wait(10)
                db.commit()
            finally:
                db.close()

    def second() -> None:
        with app.app_context():
            db = get_store().session_factory()
            try:
                _check_in(db, session_id, participant_id, second_cid)
                db.commit()
                outcome["second"] = "ok"
            except Exception as err:  # what the test asserts on
                outcome["second"] = getattr(err, "code", type(err).__name__)
            finally:
                db.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_written.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive()  # waiting for the first to commit
    first_may_commit.set()
    one.join(10)
    two.join(10)
    assert outcome["second"] == ("already_checked_in" if refused else "ok")
    with app.app_context():
        assert _stored(get_session()) == (1, 1, 0)
