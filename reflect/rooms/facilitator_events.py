"""The facilitator console's Socket.IO events (namespace ``/facilitator``).

Who asks is taken once, at connect, from Flask-Login (the signed-in person, whose
loader checked their login session's row): the socket keeps the hash of that login
session and the session it was opened for, and every later event checks that login
session again (open, account active, still facilitator or admin, the session theirs)
in the query that reads the session.

Every command (:func:`command`) locks the session's row, runs once per command id
(``commands``), and its function calls one service and returns a :class:`Reply`; what
changed decides the broadcast (``broadcast.after_change``). When the version moved,
the phones' states are built before the commit, under the lock, so that they leave
with no query after it. Work for after the commit is asked for by name
(:meth:`Console.before_broadcast`, :meth:`Console.after_broadcast`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from flask import request
from flask_socketio import ConnectionRefusedError, disconnect
from marshmallow import Schema
from sqlalchemy.orm import Session

from reflect.auth import accounts
from reflect.db import begin_write, get_session
from reflect.extensions import socketio
from reflect.models import GroupSession
from reflect.rooms import answers, broadcast, checkins, lifecycle, notes, schemas, state, storage
from reflect.rooms.broadcast import FACILITATOR_NS
from reflect.rooms.errors import RoomError
from reflect.rooms.notify import login_room
from reflect.rooms.socket_calls import (
    Reply, answer, event_limit_ok, load, once, opened_for, screen_closed, screen_opened, sync_if_moved_on,
)
from reflect.tokens import token_hash

log = logging.getLogger("reflect.rooms")


@dataclass
class Console:
    """Who sent the command, and where: the unit of work, the session (its row locked),
    the signed-in person (``accounts.SignedIn``); and what to do once it is committed."""

    db: Session
    session: GroupSession
    user: accounts.SignedIn
    _before: list[Callable[[], None]] = field(default_factory=list)
    _after: list[Callable[[], None]] = field(default_factory=list)

    def before_broadcast(self, work: Callable[[], None]) -> None:
        """Once committed, before anyone is sent the new state (e.g. a removed phone
        taken out of the group's rooms first)."""
        self._before.append(work)

    def after_broadcast(self, work: Callable[[], None]) -> None:
        """Once the new state is sent: work the broadcast need not wait for."""
        self._after.append(work)


# --- who asks -------------------------------------------------------------------------


def _signed_in_at_connect() -> str | None:
    """The hash of the login session the socket connects with (Flask-Login's user, whose
    loader checked its row): the socket keeps it, and every later event checks that login
    session again (``_facilitated``)."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    return token_hash(current_user.get_id())


def _facilitated(session_id, login_hash: str | None, *, lock: bool = False) -> tuple[GroupSession, accounts.SignedIn]:
    """The session and the signed-in person, if that person (re-checked now: their login
    session open, their account active) is its facilitator; ``lock``: its row locked
    until commit, for a command."""
    if not isinstance(session_id, int):
        raise RoomError("forbidden")
    found = storage.facilitated_session(get_session(), login_hash, session_id, lock=lock)
    if found is None:
        raise RoomError("forbidden")
    session, user = found
    if user.role not in ("facilitator", "admin"):  # as the console page: a demoted account stops here
        raise RoomError("forbidden")
    return session, user


# --- commands -------------------------------------------------------------------------


def command(event: str, schema: type[Schema]):
    """Register ``fn(console, payload) -> Reply`` as a console command (see the module's doc)."""

    def register(fn: Callable[[Console, dict], Reply]) -> Callable[[Console, dict], Reply]:
        def handler(data=None):
            opened = opened_for(FACILITATOR_NS)
            within_limit = event_limit_ok()  # before the session's lock
            db = get_session()
            begin_write(db)  # before the first query: this unit of work writes

            def run() -> dict:
                try:
                    session, user = _facilitated(opened.get("session"), opened.get("login"), lock=True)
                except RoomError:
                    disconnect()
                    raise
                payload = load(schema, data)
                console = Console(db, session, user)
                before = session.version
                reply, prepared = Reply(), None

                def apply() -> dict:
                    nonlocal reply, prepared
                    reply = fn(console, payload)
                    if session.version != before:  # phones see a change: their states, before the commit
                        prepared = broadcast.prepare(session)
                    return {"ok": True, **reply.ack}

                ack, applied = once(f"u:{user.id}", session.id, payload.pop("cid", None), apply)
                if applied:
                    for work in console._before:
                        work()
                    broadcast.after_change(session.id, broadcast.Changed(
                        version=prepared is not None, console=reply.console, by_console=True), prepared)
                    for work in console._after:
                        work()
                return ack

            return answer(opened.get("lang", "en"), run, within_limit=within_limit)

        handler.__name__ = f"facilitator_{event}"
        socketio.on(event, namespace=FACILITATOR_NS)(handler)
        return fn

    return register


@command("phase", schemas.PhaseIn)
def phase(console: Console, d: dict) -> Reply:
    lifecycle.set_phase(console.db, console.session, d["to"])
    if console.session.phase == "ended":
        session_id = console.session.id
        # phones waiting to be let in are in no room the state goes to: told to resync
        console.before_broadcast(lambda: broadcast.nudge_waiting(session_id))
        console.after_broadcast(_reclaim_after_end)
    return Reply()


def _reclaim_after_end() -> None:
    """The old row versions an end left (``retention.reclaim_after_end``)."""
    from reflect.retention import reclaim_after_end

    try:
        reclaim_after_end(get_session())
    except Exception as err:  # the end stands; the next purge's VACUUM takes them
        log.error("vacuum after an end failed: %s", type(err).__name__)


@command("card", schemas.CardMoveIn)
def card(console: Console, d: dict) -> Reply:
    lifecycle.move_card(console.db, console.session, d["action"], d["position"])
    session_id = console.session.id
    console.after_broadcast(lambda: _settle_left_card(session_id))
    # the card on screen, its answers and counts, and which cards were shown
    return Reply(console=frozenset({"answers", "cards"}))


def _settle_left_card(session_id: int) -> None:
    """Once a card move is broadcast, the card left is settled (``rooms.settle``) in a unit
    of work of its own: the phones' new card does not wait for it. Should it fail, the
    next settling (another move, a phase, the end) takes the card with it."""
    db = get_session()
    try:
        begin_write(db)
        session = storage.lock_session(db, session_id)
        if session is not None and lifecycle.settle_left_behind(db, session):
            db.commit()
        else:
            db.rollback()
    except Exception as err:  # the move stands; only its settling is left for later
        db.rollback()
        log.error("settling a card failed: %s", type(err).__name__)


@command("lock", schemas.FlagIn)
def lock(console: Console, d: dict) -> Reply:
    lifecycle.set_locked(console.db, console.session, d["value"])
    return Reply()


@command("allow_names", schemas.FlagIn)
def allow_names(console: Console, d: dict) -> Reply:
    lifecycle.set_allow_names(console.db, console.session, d["value"])
    return Reply()


def _nudge_after(console: Console, participant_id: int) -> None:
    """The phone resyncs once the change is sent (admitted, removed, its hand lowered)."""
    console.after_broadcast(lambda: broadcast.nudge_participant(participant_id))


@command("admit", schemas.ParticipantIn)
def admit(console: Console, d: dict) -> Reply:
    lifecycle.admit(console.db, console.session, d["participant"])
    _nudge_after(console, d["participant"])
    return Reply()


@command("remove", schemas.ParticipantIn)
def remove(console: Console, d: dict) -> Reply:
    lifecycle.remove(console.db, console.session, d["participant"])
    session_id, participant_id = console.session.id, d["participant"]
    console.before_broadcast(lambda: broadcast.leave_group_rooms(session_id, participant_id))
    _nudge_after(console, participant_id)
    return Reply()


@command("lower_hand", schemas.ParticipantIn)
def lower_hand(console: Console, d: dict) -> Reply:
    lifecycle.lower_hand(console.db, console.session, d["participant"])
    _nudge_after(console, d["participant"])
    return Reply()


@command("claim", schemas.ClaimIn)
def claim(console: Console, d: dict) -> Reply:
    """A device that chose a roster name already held here: the same person (it becomes
    that participant) or not (refused). The claiming device resyncs, as the participant
    it now is or refused; the held participant's old device too (its token no longer
    works)."""
    held = lifecycle.settle_claim(console.db, console.session, d["participant"], d["same"])
    console.before_broadcast(lambda: broadcast.nudge_participant(d["participant"]))
    if held is not None:
        console.before_broadcast(lambda: broadcast.nudge_participant(held))
    return Reply(ack={"participant": held})


@command("checkin_control", schemas.CheckinControlIn)
def checkin_control(console: Console, d: dict) -> Reply:
    (checkins.open_round if d["open"] else checkins.close_round)(console.db, console.session, d["kind"])
    return Reply()


@command("reveal", schemas.RevealIn)
def reveal(console: Console, d: dict) -> Reply:
    return Reply(ack={"revealed": answers.reveal(console.db, console.session, d["card"], d["answer"])})


@command("approve", schemas.ApproveIn)
def approve(console: Console, d: dict) -> Reply:
    answers.approve(console.db, console.session, d["answer"], d["approved"])
    return Reply(console=frozenset({"answers", "takeaways"}))


@command("hide", schemas.HideIn)
def hide(console: Console, d: dict) -> Reply:
    answers.set_hidden(console.db, console.session, d["answer"], d["hidden"])
    return Reply()


@command("timer", schemas.TimerIn)
def timer(console: Console, d: dict) -> Reply:
    lifecycle.set_timer(console.db, console.session, d["seconds"])
    return Reply()


@command("note_save", schemas.NoteSaveIn)
def note_save(console: Console, d: dict) -> Reply:
    # A note to be shared that looks identifying is saved, not shared, until the
    # facilitator, warned first, shares it all the same (``share_anyway``).
    flagged = notes.identifiers_in(d["text"]) if d["share"] and not d["share_anyway"] else None
    note = notes.save_note(console.db, console.session, console.user, d["note"], text=d["text"], tags=d["tags"],
                           share=d["share"] and not flagged)
    if flagged:
        return Reply(ack={"held": True, "identifiers": flagged})
    return Reply(ack={"shared": note.shared_with_supervisor})


@command("note_delete", schemas.NoteDeleteIn)
def note_delete(console: Console, d: dict) -> Reply:
    notes.delete_note(console.db, console.session, console.user, d["note"])
    return Reply()


@command("tag_add", schemas.TagAddIn)
def tag_add(console: Console, d: dict) -> Reply:
    return Reply(ack={"tag": notes.add_tag(console.db, console.user, d["label"]).id})


@command("tag_retire", schemas.TagRefIn)
def tag_retire(console: Console, d: dict) -> Reply:
    notes.retire_tag(console.db, console.user, d["tag"])
    return Reply()


# --- the connection, and the console's resync ----------------------------------------------


def _ui_locale() -> str:
    from reflect.i18n import select_locale

    return select_locale()


@socketio.on("connect", namespace=FACILITATOR_NS)
def facilitator_connect(auth=None):
    session_id = (auth or {}).get("session") if isinstance(auth, dict) else None
    db = get_session()
    begin_write(db)  # reads, then records the screen
    try:
        login_hash = _signed_in_at_connect()
        session, user = _facilitated(session_id, login_hash)
    except RoomError:
        raise ConnectionRefusedError("forbidden")
    lang = _ui_locale()
    screen_opened(FACILITATOR_NS, session, "facilitator", lang, {"session": session.id, "lang": lang, "login": login_hash},
                  [broadcast.facilitator_room(session.id, lang), login_room(user.login_hash)])
    snapshot = state.facilitator_state(broadcast.reads(db, session), user.id, lang)
    socketio.emit("snapshot", snapshot, to=request.sid, namespace=FACILITATOR_NS)
    sync_if_moved_on(FACILITATOR_NS, session.id, snapshot["version"])


@socketio.on("disconnect", namespace=FACILITATOR_NS)
def facilitator_disconnect(*_args):
    screen_closed(FACILITATOR_NS)


@socketio.on("sync", namespace=FACILITATOR_NS)
def facilitator_sync(data=None):
    opened = opened_for(FACILITATOR_NS)

    def run() -> dict:
        session, user = _facilitated(opened.get("session"), opened.get("login"))
        load(schemas.Empty, data)
        view = broadcast.reads(get_session(), session)
        return {"ok": True, "snapshot": state.facilitator_state(view, user.id, opened.get("lang", "en"))}

    return answer(opened.get("lang", "en"), run)
