"""Socket.IO event handlers: authorise, validate, call a service, commit, broadcast, ack.

Three namespaces, one per audience, each with its own events:
``/phone`` (participants), ``/facilitator`` (the session's facilitator) and
``/display`` (the projector, read-only). Who is asking is checked on every event,
not only at connect. Business rules live in the services, not here.
"""
from __future__ import annotations

import hmac
import logging
from typing import Callable

from flask import current_app, request
from flask_babel import force_locale
from flask_socketio import ConnectionRefusedError, disconnect, join_room, leave_room
from marshmallow import Schema, ValidationError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from reflect.auth import accounts
from reflect.tokens import token_hash
from reflect.db import begin_reads, begin_write, get_session, get_store
from reflect.extensions import socketio
from reflect.models import GroupSession, Participant
from reflect.rooms import (
    answers, broadcast, checkins, commands, lifecycle, notes, participants, schemas, screens, state,
)
from reflect.rooms.broadcast import DISPLAY_NS, FACILITATOR_NS, PHONE_NS
from reflect.rooms.errors import RoomError
from reflect.rooms.keys import PARTICIPANT_COOKIE, display_key
from reflect.rooms.process import Process, this_process
from reflect.rooms.messages import error_payload

log = logging.getLogger("reflect.rooms")


def _rate_ok() -> bool:
    return this_process().event_counter.hit(request.sid, current_app.config["REFLECT_SOCKET_EVENTS_PER_10S"], 10.0)


def counts_refused_events(process: Process, limit: int) -> Callable[[str], None]:
    """What ``packets.guard_incoming`` calls for an event it refuses: counted toward the
    socket's limit like any other."""
    return lambda sid: process.event_counter.hit(sid, limit, 10.0)


def _ok(extra: dict | None = None) -> dict:
    return {"ok": True, **(extra or {})}


def _ack(result) -> dict:
    """A service's own acknowledgement when it returns one, else a plain "ok"."""
    return result if isinstance(result, dict) else {"ok": True}


def _not_unicode(value) -> bool:
    """True if a string anywhere in ``value`` holds a lone surrogate (JSON can carry one,
    as "\\ud800"; UTF-8, and so the database, cannot). A loop, not recursion: any depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# One instance per schema, made once per process (``process.schemas``): building a
# marshmallow schema copies its declared fields, which cost more than the load itself on
# every event. A schema keeps no state between loads.


def _load(schema: type[Schema], data) -> dict:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["An object is expected."]})
    if _not_unicode(data):
        raise ValidationError({"_schema": ["Text must be valid Unicode."]})
    schemas = this_process().schemas
    instance = schemas.get(schema)
    if instance is None:
        instance = schemas[schema] = schema()
    return instance.load(data)


def _dispatch(locale: str, run: Callable[[], dict], *, within_limit: bool | None = None) -> dict:
    """Run one command with the common error handling; the connection always survives.
    ``within_limit``: the event limit, when the caller had to check it earlier."""
    db = get_session()
    try:
        if not (_rate_ok() if within_limit is None else within_limit):
            raise RoomError("rate_limited")
        return run()
    except ValidationError as err:
        db.rollback()
        with force_locale(locale):
            return error_payload("invalid", {"fields": err.messages})
    except RoomError as err:
        db.rollback()
        with force_locale(locale):
            return error_payload(err.code, err.details)
    except PoolTimeout as err:  # no connection came free in time: nothing done, the client retries
        return _busy(err, locale)
    except Exception as err:  # never let input crash the connection; log the type, not the data
        db.rollback()
        log.error("event failed: %s", type(err).__name__, exc_info=current_app.debug or current_app.testing)
        with force_locale(locale):
            return error_payload("server_error")


def _command(actor: str, session: GroupSession, cid: str | None, apply: Callable[[], dict]) -> tuple[dict, bool]:
    """Apply once per command id and commit; on a concurrent retry, repeat the stored ack."""
    db = get_session()
    try:
        if cid is None:
            response, applied = apply(), True
        else:
            response, applied = commands.apply_once(db, actor, session.id, cid, apply)
        db.commit()
    except IntegrityError:
        db.rollback()
        previous = commands.already_done(db, actor, cid) if cid else None
        if previous is None:
            raise
        return previous, False
    return response, applied


def _unrecorded(cid: str | None, apply: Callable[[], dict], retried: Callable[[str], bool] | None
                ) -> tuple[dict, bool]:
    """An anonymous command, applied and committed with no record of its own (see
    ``commands.py``): its retry is known by ``retried(cid)`` (the mark it wrote carries
    the command id) and gets the plain acknowledgement its first run got."""
    db = get_session()
    try:
        response = apply()
        db.commit()
        return response, True
    except (RoomError, IntegrityError):
        db.rollback()
        if cid is not None and retried is not None and retried(cid):
            return {"ok": True}, False
        raise


# --- phones -----------------------------------------------------------------------------


def _phone() -> Participant | None:
    return participants.by_token(get_session(), request.cookies.get(PARTICIPANT_COOKIE))


def _phone_session(participant: Participant) -> GroupSession:
    return get_session().get(GroupSession, participant.session_id)


@socketio.on("connect", namespace=PHONE_NS)
def phone_connect(auth=None):
    db = get_session()
    participant = _phone()
    if participant is None:
        raise ConnectionRefusedError("forbidden")
    session = _phone_session(participant)
    participants.connected(db, participant, request.sid, this_process().server_id)
    db.commit()
    if participant.status == "admitted":  # waiting or removed: not sent what the group shares
        join_room(broadcast.phones_room(session.id, participant.locale))
    join_room(broadcast.participant_room(participant.id))
    db.refresh(session)  # read once in the room: a change committed before is in the snapshot
    snapshot = state.phone_snapshot(db, session, participant)
    socketio.emit("snapshot", snapshot, to=request.sid, namespace=PHONE_NS)
    _sync_if_moved_on(PHONE_NS, session.id, snapshot["public"]["version"])
    broadcast.presence_changed(session.id)


def _sync_if_moved_on(namespace: str, session_id: int, sent: int) -> None:
    """After a socket's first state: if the session's version has moved past it, tell the
    socket to sync. A change committed after the state was read was broadcast to the
    socket (already in its room), but its broadcast may have left before the older first
    state, which the client takes as the truth; a change committed after this read is
    broadcast after the first state, so it arrives after it."""
    db = get_session()
    db.commit()  # a fresh read (SQLite would keep the snapshot's own transaction)
    begin_reads(db)  # one statement: on PostgreSQL without a transaction around it
    current = db.scalar(select(GroupSession.version).where(GroupSession.id == session_id))
    db.commit()
    if current is not None and current > sent:
        socketio.emit("sync_needed", {}, to=request.sid, namespace=namespace)


@socketio.on("disconnect", namespace=PHONE_NS)
def phone_disconnect(*_args):
    this_process().event_counter.forget(request.sid)
    db = get_session()
    session_id = participants.disconnected(db, request.sid)
    db.commit()
    if session_id is not None:
        broadcast.presence_changed(session_id)


def _with_changes(ack: dict, payload: dict, me_changes: Callable | None) -> dict:
    """The acknowledgement, plus what changed in the phone's own state when that can be
    said without reading it again (see ``phone_command``): from the payload alone, so a
    retry gets the same with nothing stored."""
    changes = me_changes(payload, ack) if me_changes is not None else None
    return {**ack, "me_changes": changes} if changes is not None else ack


def phone_command(event: str, schema: type[Schema], apply: Callable, *, changes_version: bool = True,
                  me_changes: Callable[[dict, object], dict | None] | None = None,
                  parts: frozenset[str] = state.PARTS, phones_soon: bool = False,
                  anonymous: bool = False, retried: Callable | None = None):
    """Register a phone command: ``apply(db, session, participant, payload)``.

    ``changes_version=False``: the command never changes what phones share (an answer, a
    check-in, a raised hand); it takes the session row's shared lock, and only the
    facilitator and the display are updated, at most once per update interval, the
    facilitator with the ``parts`` of its state the command changes.

    The acknowledgement carries the phone's own state (``me``), read again after the
    commit; or, with ``me_changes(payload, result)``, only the fields the command set
    (``me_changes``, stored with the acknowledgement for a retry, so never anything
    anyone wrote): five queries fewer on the commands every phone sends. Returning None
    falls back to the whole ``me``.

    ``phones_soon``: the command changes what phones see without a new version (a
    reaction's count); phones get it with the throttled update.

    ``anonymous``: the command writes an anonymous row, so it is not recorded in
    ``processed_commands`` (a record naming the phone, written in the same transaction,
    would link the two): ``retried(db, session, participant, payload, cid)`` tells its
    retry by the mark it wrote; without it, the service acknowledges its own retry (an
    answer, a pass, a takeaway) or the command is idempotent by itself (a reaction).
    Either way ``me_changes`` is worked out from the payload, never stored."""

    def handler(data=None):
        within_limit = _rate_ok()  # before the write lock
        db = get_session()
        begin_write(db)  # before the first query: this unit of work writes
        # who is asking, and their session's row locked (shared for commands that never
        # change the version, so that a room's answers do not queue behind each other)
        participant, session = participants.by_token_with_session(
            db, request.cookies.get(PARTICIPANT_COOKIE), lock="share" if not changes_version else "update")
        locale = participant.locale if participant else "en"

        def run() -> dict:
            if participant is None:
                disconnect()
                raise RoomError("forbidden")
            payload = _load(schema, data)
            before = session.version
            cid, run_once = payload.get("cid"), (lambda: _ack(apply(db, session, participant, payload)))
            if anonymous:
                response, applied = _unrecorded(cid, run_once, None if retried is None else (
                    lambda c: retried(db, session, participant, payload, c)))
            else:
                response, applied = _command(f"p:{participant.id}", session, cid, run_once)
            response = _with_changes(response, payload, me_changes)
            if applied:
                if session.version != before:
                    broadcast.publish(session.id)
                else:
                    broadcast.publish_soon(session.id, parts, phones=phones_soon)
            if "me_changes" in response:
                return response
            return {**response, "me": state.phone_personal(db, session, participant)}

        return _dispatch(locale, run, within_limit=within_limit)

    handler.__name__ = f"phone_{event}"
    socketio.on(event, namespace=PHONE_NS)(handler)


def _answered(payload: dict, _ack) -> dict | None:
    if payload["named"]:
        return None  # a named answer: the whole ``me`` (its list of named answers holds text)
    return {"responses": {str(payload["card"]): "answered"}}


phone_command("checkin", schemas.CheckinIn, lambda db, s, p, d: checkins.submit(
    db, s, p, d["kind"], passed=d["passed"], scores=d["scores"], feeling=d["feeling"], free_word=d["free_word"],
    command_id=d["cid"]), changes_version=False,
    me_changes=lambda d, _r: {"checked_in": {d["kind"]: True}}, parts=frozenset({"checkins"}),
    anonymous=True)
phone_command("answer", schemas.AnswerIn, lambda db, s, p, d: answers.answer_card(
    db, s, p, d["card"], d["text"], audience=d["audience"], named=d["named"], share_anyway=d["share_anyway"],
    command_id=d["cid"]), changes_version=False, me_changes=_answered, parts=frozenset({"answers"}), anonymous=True)
phone_command("pass", schemas.PassIn, lambda db, s, p, d: answers.pass_card(db, s, p, d["card"], command_id=d["cid"]),
              changes_version=False, me_changes=lambda d, _r: {"responses": {str(d["card"]): "passed"}},
              parts=frozenset({"answers"}), anonymous=True)
phone_command("takeaway", schemas.TakeawayIn, lambda db, s, p, d: answers.submit_takeaway(
    db, s, p, d["text"], audience=d["audience"], share_anyway=d["share_anyway"], command_id=d["cid"]),
    changes_version=False, me_changes=lambda _d, _r: {"takeaway_done": True}, parts=frozenset({"takeaways"}),
    anonymous=True)
phone_command("takeaway_pass", schemas.TakeawayPassIn,
              lambda db, s, p, d: answers.pass_takeaway(db, s, p, command_id=d["cid"]),
              changes_version=False, me_changes=lambda _d, _r: {"takeaway_done": True, "takeaway_passed": True},
              parts=frozenset({"takeaways"}), anonymous=True)
# a reaction changes only a count: phones get it with the throttled update (a burst of
# taps in a big room is one state per interval, not one per tap to every phone); applied
# once by its own key, it needs no record
phone_command("react", schemas.AnswerRefIn, lambda db, s, p, d: answers.react(db, s, p, d["answer"]),
              changes_version=False, parts=frozenset({"answers", "takeaways"}), phones_soon=True, anonymous=True)
phone_command("withdraw", schemas.AnswerRefIn, lambda db, s, p, d: answers.withdraw(db, s, p, d["answer"]))
phone_command("hand", schemas.HandIn, lambda db, s, p, d: participants.raise_hand(db, s, p, d["raised"]),
              changes_version=False, me_changes=lambda d, _r: {"hand_raised": d["raised"]},
              parts=frozenset({"presence"}))
phone_command("talk_after", schemas.TalkAfterIn,
              lambda db, s, p, d: participants.want_talk_after(db, s, p, d["wanted"]), changes_version=False,
              me_changes=lambda d, _r: {"talk_after": d["wanted"]}, parts=frozenset({"presence"}))


@socketio.on("sync", namespace=PHONE_NS)
def phone_sync(data=None):
    participant = _phone()

    def run() -> dict:
        if participant is None:
            disconnect()
            raise RoomError("forbidden")
        _load(schemas.Empty, data)
        session = _phone_session(participant)
        room = broadcast.phones_room(session.id, participant.locale)
        (join_room if participant.status == "admitted" else leave_room)(room)  # e.g. just admitted
        join_room(broadcast.participant_room(participant.id))  # admitted as a participant already here
        return _ok({"snapshot": state.phone_snapshot(get_session(), session, participant)})

    return _dispatch(participant.locale if participant else "en", run)


@socketio.on("set_language", namespace=PHONE_NS)
def phone_set_language(data=None):
    participant = _phone()

    def run() -> dict:
        if participant is None:
            disconnect()
            raise RoomError("forbidden")
        payload = _load(schemas.LanguageIn, data)
        db = get_session()
        old = participant.locale
        participants.set_locale(db, participant, payload["lang"])
        db.commit()
        session = _phone_session(participant)
        leave_room(broadcast.phones_room(session.id, old))
        if participant.status == "admitted":
            join_room(broadcast.phones_room(session.id, participant.locale))
        return _ok({"snapshot": state.phone_snapshot(db, session, participant)})

    return _dispatch(participant.locale if participant else "en", run)


# --- facilitator ------------------------------------------------------------------------


# The session and who asks for it, checked in one query (every facilitator event): the
# login session open, its account active, and the session facilitated by that account.
_FACILITATED = accounts.owned_by_signed_in(select(GroupSession).where(GroupSession.id == bindparam("session_id")),
                                           GroupSession.facilitator_id)
# For a command: the session's row locked until commit (PostgreSQL) and read afresh.
_FACILITATED_LOCKED = (_FACILITATED.with_for_update(of=GroupSession.__table__)
                       .execution_options(populate_existing=True))


def _signed_in_at_connect() -> str | None:
    """The hash of the login session the socket connects with (Flask-Login's user, whose
    loader checked its row): the socket keeps it, and every later event checks that login
    session again (``_facilitator_session``)."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    return token_hash(current_user.get_id())


def _facilitator_session(session_id, login_hash: str | None, *,
                         lock: bool = False) -> tuple[GroupSession, accounts.SignedIn]:
    """The session and the signed-in person, if that person (re-checked now: their login
    session open, their account active) is its facilitator; ``lock``: its row locked
    until commit (PostgreSQL), for a command."""
    if not isinstance(session_id, int):
        raise RoomError("forbidden")
    found = accounts.owned_row(get_session(), login_hash, _FACILITATED_LOCKED if lock else _FACILITATED,
                               session_id=session_id)
    if found is None:
        raise RoomError("forbidden")
    session, user = found
    if user.role not in ("facilitator", "admin"):  # as the console page: a demoted account stops here
        raise RoomError("forbidden")
    return session, user


# What each facilitator or display socket was opened for. A socket lives in one process,
# so this map is the process's own (``process.sockets``); emptied when the socket goes.


def _socket_data(namespace: str) -> dict:
    return this_process().sockets.get((namespace, request.sid), {})


def _remember(namespace: str, data: dict) -> None:
    this_process().sockets[(namespace, request.sid)] = data


def _screen_connected(session: GroupSession, audience: str, lang: str) -> None:
    """Record the screen, already in its room, for every process (``screens``); then
    read the session afresh for its first state. A change committed before the record
    is in that state; one committed after it is broadcast to the screen."""
    db = get_session()
    screens.connected(db, request.sid, session.id, audience, lang, this_process().server_id)
    db.commit()
    db.refresh(session)


def _screen_gone(namespace: str) -> None:
    process = this_process()
    process.event_counter.forget(request.sid)
    if process.sockets.pop((namespace, request.sid), None) is not None:
        db = get_session()
        screens.disconnected(db, request.sid)
        db.commit()


@socketio.on("disconnect", namespace=FACILITATOR_NS)
def facilitator_disconnect(*_args):
    _screen_gone(FACILITATOR_NS)


@socketio.on("disconnect", namespace=DISPLAY_NS)
def display_disconnect(*_args):
    _screen_gone(DISPLAY_NS)


def _ui_locale() -> str:
    from reflect.i18n import select_locale

    return select_locale()


@socketio.on("connect", namespace=FACILITATOR_NS)
def facilitator_connect(auth=None):
    session_id = (auth or {}).get("session") if isinstance(auth, dict) else None
    begin_write(get_session())  # reads, then records the screen (``_screen_connected``)
    try:
        login_hash = _signed_in_at_connect()
        session, user = _facilitator_session(session_id, login_hash)
    except RoomError:
        raise ConnectionRefusedError("forbidden")
    lang = _ui_locale()
    _remember(FACILITATOR_NS, {"session": session.id, "lang": lang, "login": login_hash})
    join_room(broadcast.facilitator_room(session.id, lang))
    from reflect.rooms.notify import login_room

    join_room(login_room(user.login_hash))
    _screen_connected(session, "facilitator", lang)
    db = get_session()
    snapshot = state.facilitator_state(broadcast.reads(db, session), user.id, lang)
    socketio.emit("snapshot", snapshot, to=request.sid, namespace=FACILITATOR_NS)
    _sync_if_moved_on(FACILITATOR_NS, session.id, snapshot["version"])


def facilitator_command(event: str, schema: type[Schema], apply: Callable, *, nudge: bool = False,
                        after: Callable[[GroupSession, dict], None] | None = None,
                        parts: frozenset[str] | None = None, then: Callable[[int, dict], None] | None = None):
    """Register a facilitator command: ``apply(db, session, user, payload)`` (``user``: the
    signed-in person as ``accounts.SignedIn``, its id and role); ``after``
    runs once the change is committed, before the broadcast. ``parts``: the command
    changes only these parts of the facilitator's state (see ``state.facilitator_state``),
    so the console is sent a partial state; None: the whole state. ``then(session_id,
    payload)`` runs once the change is broadcast (work the broadcast need not wait for)."""

    def handler(data=None):
        info = _socket_data(FACILITATOR_NS) or {}
        within_limit = _rate_ok()  # before the write lock
        begin_write(get_session())  # before the first query: this unit of work writes

        def run() -> dict:
            try:
                session, user = _facilitator_session(info.get("session"), info.get("login"), lock=True)
            except RoomError:
                disconnect()
                raise
            payload = _load(schema, data)
            db = get_session()
            before = session.version
            prepared: broadcast.Prepared | None = None
            read_at_commit: broadcast.Read | None = None

            def apply_and_prepare() -> dict:
                nonlocal prepared, read_at_commit
                result = apply(db, session, user, payload)
                if session.version != before:  # phones see a change: their states, before the commit
                    read = result if isinstance(result, broadcast.Read) else broadcast.Read()
                    if read.after_commit:  # unless what they show arrives with the commit
                        read_at_commit = read
                    else:
                        prepared = broadcast.prepare(session, read.revealed)
                return _ack(result)

            response, applied = _command(f"u:{user.id}", session, payload.pop("cid", None), apply_and_prepare)
            if applied:
                if read_at_commit is not None:
                    prepared = broadcast.Prepared(broadcast.reads(db, session, read_at_commit.revealed))
                if after is not None:
                    after(session, payload)
                changed = prepared is not None  # applied: apply ran, and prepared if the version moved
                broadcast.publish(session.id, phones=changed, display=changed, facilitator_full=parts is None,
                                  parts=parts if parts is not None else state.PARTS, prepared=prepared)
                if nudge and "participant" in payload:
                    broadcast.nudge_participant(payload["participant"])
                if then is not None:
                    then(session.id, payload)
            return response

        return _dispatch(info.get("lang", "en"), run, within_limit=within_limit)

    handler.__name__ = f"facilitator_{event}"
    socketio.on(event, namespace=FACILITATOR_NS)(handler)


def _checkin_control(db, session, _user, d):
    (checkins.open_round if d["open"] else checkins.close_round)(db, session, d["kind"])


def _note_save(db, session, user, d):
    # A note to be shared that looks identifying is saved, not shared, until the
    # facilitator, warned first, shares it all the same (``share_anyway``).
    flagged = notes.identifiers_in(d["text"]) if d["share"] and not d["share_anyway"] else None
    note = notes.save_note(db, session, user, d["note"], text=d["text"], tags=d["tags"],
                           share=d["share"] and not flagged)
    if flagged:
        return {"ok": True, "held": True, "identifiers": flagged}
    return {"ok": True, "shared": note.shared_with_supervisor}


def _settle_claim(db, session, _user, d):
    claimed = db.get(Participant, d["participant"])
    held = claimed.claims_id if claimed is not None and claimed.session_id == session.id else None
    lifecycle.settle_claim(db, session, d["participant"], d["same"])
    d["held"] = held if d["same"] else None  # for ``_claim_settled``
    return {"ok": True, "participant": d["held"]}


def _claim_settled(session: GroupSession, d: dict) -> None:
    """The claiming device resyncs (as the participant it now is, or refused); the held
    participant's old device too (its token no longer works)."""
    broadcast.nudge_participant(d["participant"])
    if d.get("held"):
        broadcast.nudge_participant(d["held"])


def _card_move(db, session, _user, d) -> broadcast.Read:
    # on PostgreSQL the move is sent with the COMMIT, and the new card's revealed answers,
    # which the phones' states show, are read after it in the same message: one round
    # trip for the three (the phones' states are built once they arrive)
    return broadcast.Read(revealed=lifecycle.move_card(db, session, d["action"], d["position"],
                                                       reading=answers.CARD_REVEALED))


def _reclaim_if_ended(_session_id: int, payload: dict) -> None:
    if payload["to"] == "ended":  # the old row versions the end left (``retention.reclaim_after_end``)
        from reflect.retention import reclaim_after_end

        try:
            reclaim_after_end(get_session())
        except Exception as err:  # the end stands; the next purge's VACUUM takes them
            log.error("vacuum after an end failed: %s", type(err).__name__)


facilitator_command("phase", schemas.PhaseIn, lambda db, s, u, d: lifecycle.set_phase(db, s, d["to"]),
                    after=lambda s, d: broadcast.nudge_waiting(s.id) if s.phase == "ended" else None,
                    then=_reclaim_if_ended)
def _settle_left_card(session_id: int, _payload: dict) -> None:
    """Once a card move is broadcast, the card left is settled (``rooms.settle``) in a unit
    of work of its own: the phones' new card does not wait for it. Should it fail, the
    next settling (another move, a phase, the end) takes the card with it."""
    db = get_session()
    try:
        begin_write(db)
        session = db.scalar(select(GroupSession).where(GroupSession.id == session_id).with_for_update()
                            .execution_options(populate_existing=True))
        if session is not None and lifecycle.settle_left_behind(db, session):
            db.commit()
        else:
            db.rollback()
    except Exception as err:  # the move stands; only its settling is left for later
        db.rollback()
        log.error("settling a card failed: %s", type(err).__name__)


# a card move changes the card on screen, its answers and counts, and which cards were shown
facilitator_command("card", schemas.CardMoveIn, _card_move, parts=frozenset({"answers", "cards"}),
                    then=_settle_left_card)
facilitator_command("lock", schemas.FlagIn, lambda db, s, u, d: lifecycle.set_locked(db, s, d["value"]))
facilitator_command("allow_names", schemas.FlagIn, lambda db, s, u, d: lifecycle.set_allow_names(db, s, d["value"]))
facilitator_command("admit", schemas.ParticipantIn, lambda db, s, u, d: lifecycle.admit(db, s, d["participant"]), nudge=True)
facilitator_command("remove", schemas.ParticipantIn,
                    lambda db, s, u, d: lifecycle.remove(db, s, d["participant"]), nudge=True,
                    after=lambda s, d: broadcast.leave_group_rooms(s.id, d["participant"]))
facilitator_command("lower_hand", schemas.ParticipantIn,
                    lambda db, s, u, d: lifecycle.lower_hand(db, s, d["participant"]), nudge=True)
facilitator_command("checkin_control", schemas.CheckinControlIn, _checkin_control)
facilitator_command("reveal", schemas.RevealIn,
                    lambda db, s, u, d: {"ok": True, "revealed": answers.reveal(db, s, d["card"], d["answer"])})
facilitator_command("approve", schemas.ApproveIn,
                    lambda db, s, u, d: answers.approve(db, s, d["answer"], d["approved"]),
                    parts=frozenset({"answers", "takeaways"}))
facilitator_command("claim", schemas.ClaimIn, _settle_claim, after=_claim_settled)
facilitator_command("hide", schemas.HideIn, lambda db, s, u, d: answers.set_hidden(db, s, d["answer"], d["hidden"]))
facilitator_command("timer", schemas.TimerIn, lambda db, s, u, d: lifecycle.set_timer(db, s, d["seconds"]))
facilitator_command("note_save", schemas.NoteSaveIn, _note_save)
facilitator_command("note_delete", schemas.NoteDeleteIn, lambda db, s, u, d: notes.delete_note(db, s, u, d["note"]))
facilitator_command("tag_add", schemas.TagAddIn,
                    lambda db, s, u, d: {"ok": True, "tag": notes.add_tag(db, u, d["label"]).id})
facilitator_command("tag_retire", schemas.TagRefIn, lambda db, s, u, d: notes.retire_tag(db, u, d["tag"]))


@socketio.on("sync", namespace=FACILITATOR_NS)
def facilitator_sync(data=None):
    info = _socket_data(FACILITATOR_NS) or {}

    def run() -> dict:
        session, user = _facilitator_session(info.get("session"), info.get("login"))
        _load(schemas.Empty, data)
        view = broadcast.reads(get_session(), session)
        return _ok({"snapshot": state.facilitator_state(view, user.id, info.get("lang", "en"))})

    return _dispatch(info.get("lang", "en"), run)


# --- display ----------------------------------------------------------------------------


def _display_session(session_id, key) -> GroupSession:
    if not isinstance(session_id, int) or not isinstance(key, str):
        raise RoomError("forbidden")
    if not hmac.compare_digest(key, display_key(session_id)):
        raise RoomError("forbidden")
    session = get_session().get(GroupSession, session_id)
    if session is None:
        raise RoomError("forbidden")
    return session


@socketio.on("connect", namespace=DISPLAY_NS)
def display_connect(auth=None):
    auth = auth if isinstance(auth, dict) else {}
    begin_write(get_session())  # reads, then records the screen (``_screen_connected``)
    try:
        session = _display_session(auth.get("session"), auth.get("key"))
    except RoomError:
        raise ConnectionRefusedError("forbidden")
    lang = auth.get("lang") if auth.get("lang") in ("en", "es") else "en"
    _remember(DISPLAY_NS, {"session": session.id, "key": auth["key"], "lang": lang})
    join_room(broadcast.display_room(session.id, lang))
    _screen_connected(session, "display", lang)
    first = state.display_state(broadcast.reads(get_session(), session), lang)
    socketio.emit("state", first, to=request.sid, namespace=DISPLAY_NS)
    _sync_if_moved_on(DISPLAY_NS, session.id, first["version"])


@socketio.on("sync", namespace=DISPLAY_NS)
def display_sync(data=None):
    info = _socket_data(DISPLAY_NS) or {}

    def run() -> dict:
        try:
            session = _display_session(info.get("session"), info.get("key"))
        except RoomError:
            disconnect()
            raise
        _load(schemas.Empty, data)
        return _ok({"state": state.display_state(broadcast.reads(get_session(), session), info.get("lang", "en"))})

    return _dispatch(info.get("lang", "en"), run)


def _busy(err: PoolTimeout, locale: str = "en") -> dict:
    """Every database connection in use for longer than the pool's timeout: the command
    did nothing and is answered "busy" (the pages send it again, with the same id);
    logged once per outage."""
    get_session().rollback()
    get_store().pool_busy(err, "a socket event")
    with force_locale(locale):
        return error_payload("busy")


@socketio.on_error_default
def _any_error(err):  # an exception outside _dispatch: log its type only, keep the socket
    if isinstance(err, PoolTimeout):
        if (getattr(request, "event", None) or {}).get("message") == "connect":
            _busy(err)
            raise ConnectionRefusedError("busy")  # the pages connect again a moment later
        return _busy(err)
    log.error("socket handler failed: %s", type(err).__name__, exc_info=current_app.debug or current_app.testing)
    return error_payload("server_error")
