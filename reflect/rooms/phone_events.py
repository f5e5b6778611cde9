"""The phones' Socket.IO events (namespace ``/phone``): who asks is the participant
whose token the phone's cookie holds, checked on every event.

An event is one of two kinds:

- a **contribution** (:func:`contribution`) writes an anonymous row: an answer, a pass,
  a check-in, a takeaway, a reaction. The room's contributions run side by side: the
  session's row is share-locked (a card move waits for them, they do not wait for each
  other). None is recorded as a command: a record naming the phone beside an anonymous
  row would link the two. Each service applies it once by itself (a retry finds the
  mark its first run left, and is acknowledged as that run was).
- a **command** (:func:`command`) changes the phone's own row or what the room shares
  (a hand, "talk after", withdrawing a named answer): the session's row is locked for
  update, and it is applied once per command id (``commands``).

Either way the event's function calls one service and returns a :class:`Reply`; what
changed decides the broadcast (``broadcast.after_change``). The acknowledgement
carries the phone's own state (``me``), read again after the commit, or only the
fields the command set (``me_changes``) when the reply says them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import request
from flask_socketio import ConnectionRefusedError, disconnect, join_room, leave_room
from marshmallow import Schema
from sqlalchemy.orm import Session

from reflect.db import begin_write, get_session
from reflect.extensions import socketio
from reflect.models import GroupSession, Participant
from reflect.rooms import answers, broadcast, checkins, participants, schemas, state, storage
from reflect.rooms.broadcast import PHONE_NS
from reflect.rooms.errors import RoomError
from reflect.rooms.keys import PARTICIPANT_COOKIE
from reflect.rooms.process import this_process
from reflect.rooms.socket_calls import Reply, answer, event_limit_ok, load, once, sync_if_moved_on


@dataclass(frozen=True)
class Phone:
    """Who sent the event, and where: the unit of work, the session, the participant."""

    db: Session
    session: GroupSession
    participant: Participant


def _token() -> str | None:
    return request.cookies.get(PARTICIPANT_COOKIE)


def contribution(event: str, schema: type[Schema]):
    """Register ``fn(phone, payload) -> Reply`` as a contribution (see the module's doc)."""
    return _registered(event, schema, lock="share", once_per_id=False)


def command(event: str, schema: type[Schema]):
    """Register ``fn(phone, payload) -> Reply`` as a command (see the module's doc)."""
    return _registered(event, schema, lock="update", once_per_id=True)


def _registered(event: str, schema: type[Schema], *, lock: str, once_per_id: bool):
    def register(fn: Callable[[Phone, dict], Reply]) -> Callable[[Phone, dict], Reply]:
        def handler(data=None):
            within_limit = event_limit_ok()  # before the session's lock
            db = get_session()
            begin_write(db)  # before the first query: this unit of work writes
            participant, session = participants.by_token_with_session(db, _token(), lock=lock)
            locale = participant.locale if participant else "en"

            def run() -> dict:
                if participant is None:
                    disconnect()
                    raise RoomError("forbidden")
                payload = load(schema, data)
                before = session.version
                reply = Reply()

                def apply() -> dict:
                    nonlocal reply
                    reply = fn(Phone(db, session, participant), payload)
                    return {"ok": True, **reply.ack}

                if once_per_id:
                    ack, applied = once(f"p:{participant.id}", session.id, payload.get("cid"), apply)
                else:
                    ack, applied = apply(), True
                    db.commit()
                if applied:
                    broadcast.after_change(session.id, broadcast.Changed(
                        version=session.version != before, console=reply.console, counts=reply.counts))
                if reply.me is not None:
                    return {**ack, "me_changes": reply.me}
                return {**ack, "me": state.phone_personal(db, session, participant)}

            return answer(locale, run, within_limit=within_limit)

        handler.__name__ = f"phone_{event}"
        socketio.on(event, namespace=PHONE_NS)(handler)
        return fn

    return register


# --- contributions --------------------------------------------------------------------


@contribution("checkin", schemas.CheckinIn)
def checkin(phone: Phone, d: dict) -> Reply:
    checkins.submit(phone.db, phone.session, phone.participant, d["kind"], passed=d["passed"], scores=d["scores"],
                    feeling=d["feeling"], free_word=d["free_word"], command_id=d["cid"])
    return Reply(console=frozenset({"checkins"}), me={"checked_in": {d["kind"]: True}})


@contribution("answer", schemas.AnswerIn)
def answer_card(phone: Phone, d: dict) -> Reply:
    answers.answer_card(phone.db, phone.session, phone.participant, d["card"], d["text"], audience=d["audience"],
                        named=d["named"], share_anyway=d["share_anyway"], command_id=d["cid"])
    # a named answer: the whole ``me`` (its list of named answers holds text, never sent back unasked)
    mine = None if d["named"] else {"responses": {str(d["card"]): "answered"}}
    return Reply(console=frozenset({"answers"}), me=mine)


@contribution("pass", schemas.PassIn)
def pass_card(phone: Phone, d: dict) -> Reply:
    answers.pass_card(phone.db, phone.session, phone.participant, d["card"], command_id=d["cid"])
    return Reply(console=frozenset({"answers"}), me={"responses": {str(d["card"]): "passed"}})


@contribution("takeaway", schemas.TakeawayIn)
def takeaway(phone: Phone, d: dict) -> Reply:
    answers.submit_takeaway(phone.db, phone.session, phone.participant, d["text"], audience=d["audience"],
                            share_anyway=d["share_anyway"], command_id=d["cid"])
    return Reply(console=frozenset({"takeaways"}), me={"takeaway_done": True})


@contribution("takeaway_pass", schemas.TakeawayPassIn)
def takeaway_pass(phone: Phone, d: dict) -> Reply:
    answers.pass_takeaway(phone.db, phone.session, phone.participant, command_id=d["cid"])
    return Reply(console=frozenset({"takeaways"}), me={"takeaway_done": True, "takeaway_passed": True})


@contribution("react", schemas.AnswerRefIn)
def react(phone: Phone, d: dict) -> Reply:
    # only a count moves: phones get it with the throttled update (a burst of taps in a
    # big room is one state per interval, not one per tap to every phone)
    answers.react(phone.db, phone.session, phone.participant, d["answer"])
    return Reply(console=frozenset({"answers", "takeaways"}), counts=True)


# --- commands -------------------------------------------------------------------------


@command("hand", schemas.HandIn)
def hand(phone: Phone, d: dict) -> Reply:
    participants.raise_hand(phone.db, phone.session, phone.participant, d["raised"])
    return Reply(console=frozenset({"presence"}), me={"hand_raised": d["raised"]})


@command("talk_after", schemas.TalkAfterIn)
def talk_after(phone: Phone, d: dict) -> Reply:
    participants.want_talk_after(phone.db, phone.session, phone.participant, d["wanted"])
    return Reply(console=frozenset({"presence"}), me={"talk_after": d["wanted"]})


@command("withdraw", schemas.AnswerRefIn)
def withdraw(phone: Phone, d: dict) -> Reply:
    answers.withdraw(phone.db, phone.session, phone.participant, d["answer"])
    return Reply()


# --- the connection, and events that only read ------------------------------------------


@socketio.on("connect", namespace=PHONE_NS)
def phone_connect(auth=None):
    db = get_session()
    participant = participants.by_token(db, _token())
    if participant is None:
        raise ConnectionRefusedError("forbidden")
    session = storage.session_by_id(db, participant.session_id)
    participants.connected(db, participant, request.sid, this_process().server_id)
    db.commit()
    if participant.status == "admitted":  # waiting or removed: not sent what the group shares
        join_room(broadcast.phones_room(session.id, participant.locale))
    join_room(broadcast.participant_room(participant.id))
    db.refresh(session)  # read once in the room: a change committed before is in the snapshot
    snapshot = state.phone_snapshot(db, session, participant)
    socketio.emit("snapshot", snapshot, to=request.sid, namespace=PHONE_NS)
    sync_if_moved_on(PHONE_NS, session.id, snapshot["public"]["version"])
    broadcast.presence_changed(session.id)


@socketio.on("disconnect", namespace=PHONE_NS)
def phone_disconnect(*_args):
    this_process().event_counter.forget(request.sid)
    db = get_session()
    session_id = participants.disconnected(db, request.sid)
    db.commit()
    if session_id is not None:
        broadcast.presence_changed(session_id)


def _refuse_unless_joined(participant) -> None:
    """A socket whose token names no phone of a session any more is refused and closed."""
    if participant is None:
        disconnect()
        raise RoomError("forbidden")


@socketio.on("sync", namespace=PHONE_NS)
def phone_sync(data=None):
    db = get_session()
    participant = participants.by_token(db, _token())

    def run() -> dict:
        _refuse_unless_joined(participant)
        load(schemas.Empty, data)
        session = storage.session_by_id(db, participant.session_id)
        room = broadcast.phones_room(session.id, participant.locale)
        (join_room if participant.status == "admitted" else leave_room)(room)  # e.g. just admitted
        join_room(broadcast.participant_room(participant.id))  # admitted as a participant already here
        return {"ok": True, "snapshot": state.phone_snapshot(db, session, participant)}

    return answer(participant.locale if participant else "en", run)


@socketio.on("set_language", namespace=PHONE_NS)
def phone_set_language(data=None):
    db = get_session()
    participant = participants.by_token(db, _token())

    def run() -> dict:
        _refuse_unless_joined(participant)
        payload = load(schemas.LanguageIn, data)
        old = participant.locale
        participants.set_locale(db, participant, payload["lang"])
        db.commit()
        session = storage.session_by_id(db, participant.session_id)
        leave_room(broadcast.phones_room(session.id, old))
        if participant.status == "admitted":
            join_room(broadcast.phones_room(session.id, participant.locale))
        return {"ok": True, "snapshot": state.phone_snapshot(db, session, participant)}

    return answer(participant.locale if participant else "en", run)
