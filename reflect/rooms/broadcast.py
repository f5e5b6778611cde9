"""After a change is committed, send each audience what it may see.

Rooms (per session ``S``):
- ``s:S:phones:<lang>``: phones, by language (each gets the card in its own language)
- ``s:S:display:<lang>``: projector screens
- ``s:S:facilitator:<lang>``: the session's facilitator
- ``p:<participant>``: one phone, for personal nudges
Every message carries the session version. With a message queue configured, the
emits travel through it to sockets held by other processes.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import current_app

from reflect.db import begin_reads, get_session
from reflect.extensions import socketio
from reflect.i18n import LANGUAGES
from reflect.models import GroupSession
from reflect.rooms import screens, state, storage
from reflect.rooms.process import this_process

PHONE_NS, DISPLAY_NS, FACILITATOR_NS = "/phone", "/display", "/facilitator"
log = logging.getLogger("reflect.broadcast")


def phones_room(session_id: int, lang: str) -> str:
    return f"s:{session_id}:phones:{lang}"


def display_room(session_id: int, lang: str) -> str:
    return f"s:{session_id}:display:{lang}"


def facilitator_room(session_id: int, lang: str) -> str:
    return f"s:{session_id}:facilitator:{lang}"


def participant_room(participant_id: int) -> str:
    return f"p:{participant_id}"


_SCREEN_ROOMS = {"display": (DISPLAY_NS, display_room), "facilitator": (FACILITATOR_NS, facilitator_room)}


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["REFLECT_PRESENCE_GRACE_SECONDS"])


def reads(db, session: GroupSession) -> state.Reads:
    """One broadcast's (or one snapshot's) reads, with this install's grace period."""
    return state.Reads(db, session, grace())


def _queued() -> bool:
    return bool(current_app.config.get("REFLECT_MESSAGE_QUEUE"))


def _listened(namespace: str, room: str) -> bool:
    """Whether a room may have sockets. One process knows its own rooms; with a message
    queue, others' sockets may be in it, so a phone room always may."""
    if _queued():
        return True
    return bool(socketio.server.manager.rooms.get(namespace, {}).get(room))


def _screens_listening(db, session_id: int) -> Callable[[str, str], bool]:
    """Whether anyone has the session's screen room (audience, language) open. With a
    message queue, any process may hold the screen: the database says (``screens``,
    read after the change's commit); else this process's own rooms do."""
    if not _queued():
        def here(audience: str, lang: str) -> bool:
            namespace, room = _SCREEN_ROOMS[audience]
            return _listened(namespace, room(session_id, lang))

        return here
    open_screens = screens.listening(db, session_id)
    return lambda audience, lang: (audience, lang) in open_screens


@dataclass(frozen=True)
class Changed:
    """What a committed command changed, as far as who must be told: the one value the
    broadcast is decided from (:func:`after_change`).

    ``version``: what phones and the display share moved (the session's version);
    ``console``: the parts of the facilitator's state that changed (``state.PARTS``, and
    ``"cards"``; None: possibly any, so the whole state); ``counts``: a count phones see
    moved with no new version (how many found an answer resonates); ``by_console``: the
    facilitator's own command, whose effect its console shows at once."""

    version: bool
    console: frozenset[str] | None = None
    counts: bool = False
    by_console: bool = False


def after_change(session_id: int, changed: Changed, prepared: Prepared | None = None) -> None:
    """Tell each audience what a committed command changed, and when:

    - the version moved: every audience now (phones first, with the states ``prepared``
      before the commit if there are);
    - the facilitator's own command: its console now, the others nothing;
    - a phone's own rows (an answer, a check-in, a hand, a reaction): the console and
      the projector with the next throttled update (``publish_soon``), and phones too
      if a count they see moved."""
    parts = changed.console if changed.console is not None else state.PARTS
    full = changed.console is None
    if changed.version:
        publish(session_id, facilitator_full=full, parts=parts, prepared=prepared)
    elif changed.by_console:
        publish(session_id, phones=False, display=False, facilitator_full=full, parts=parts)
    else:
        publish_soon(session_id, parts, phones=changed.counts)


class Prepared:
    """What a broadcast reads (one ``Reads``), and the phones' states when they were
    built before the change's commit (``prepare``): then, once it has committed, their
    packets leave with no query in between."""

    __slots__ = ("view", "phones")

    def __init__(self, view: state.Reads, phones: dict[str, dict] | None = None):
        self.view, self.phones = view, phones


def _phone_states(view: state.Reads) -> dict[str, dict]:
    """The public state of each phone room of the session that has someone in it."""
    rooms = {phones_room(view.session.id, lang): lang for lang in LANGUAGES}
    return {room: state.phone_public(view, lang) for room, lang in rooms.items() if _listened(PHONE_NS, room)}


def prepare(session: GroupSession) -> Prepared:
    """The phones' states of ``session`` as the caller's unit of work sees it. Only for
    a unit that holds the session's write lock (a facilitator command): nothing that
    phones see can change between this and its commit, and if it does not commit,
    nothing is sent."""
    view = reads(get_session(), session)
    return Prepared(view, _phone_states(view))


def publish(session_id: int, *, phones: bool = True, display: bool = True, facilitator: bool = True,
            facilitator_full: bool = True, parts: frozenset[str] = state.PARTS,
            prepared: Prepared | None = None) -> None:
    """Send the session's state now, to each room that has someone in it. Phones first:
    their packets leave (the green thread yields once) before the display's and the
    facilitator's states are built. ``facilitator_full=False``: the facilitator gets a
    partial state with only ``parts`` (no card list, notes or tags: see
    ``state.facilitator_state``). ``prepared``: the phones' states built before the
    commit (``prepare``), and the reads to go on with."""
    db = get_session()
    if prepared is None:
        found = storage.session_by_id(db, session_id)
        if found is None:
            return
        prepared = Prepared(reads(db, found))
    view = prepared.view
    session = view.session
    if phones:
        for room, payload in (prepared.phones if prepared.phones is not None else _phone_states(view)).items():
            socketio.emit("state", payload, to=room, namespace=PHONE_NS)
        if display or facilitator:
            socketio.sleep(0)
    if not (display or facilitator):
        return
    listening = _screens_listening(db, session_id)
    if display:
        for lang in LANGUAGES:
            if listening("display", lang):
                socketio.emit("state", state.display_state(view, lang), to=display_room(session_id, lang),
                              namespace=DISPLAY_NS)
    if facilitator:
        for lang in LANGUAGES:
            room = facilitator_room(session_id, lang)
            if listening("facilitator", lang):
                socketio.emit("state", state.facilitator_state(view, session.facilitator_id, lang,
                                                               full=facilitator_full, parts=parts),
                              to=room,
                              namespace=FACILITATOR_NS)


# The process's own record of the facilitator/display updates it throttles
# (``process.last_sent``, ``pending``, ``pending_phones``): when each session's last one
# went, and which have one waiting, with the parts of the facilitator's state that
# changed meanwhile, and whether it goes to phones too. (Each process sends what its own
# events changed; the state sent is always read fresh, so nothing is lost by waiting.)


def publish_soon(session_id: int, parts: frozenset[str] = state.PARTS, *, phones: bool = False) -> None:
    """Send the facilitator and the display the session's state, at most once per
    ``REFLECT_UPDATE_INTERVAL_MS`` per session: at once if none went within the interval,
    else once when it ends. What changes many times a second in a busy room (phones
    connecting, answers counted, hands) costs one state per interval, and that state
    carries the latest of everything; a lone change is not delayed. Phones are not sent
    anything, unless ``phones``: a change phones see that may come many times a second
    and needs no new version (how many found an answer resonates). ``parts``: what
    changed (see ``state.PARTS``); the update carries the parts of every change it
    stands for."""
    interval = current_app.config["REFLECT_UPDATE_INTERVAL_MS"] / 1000
    if interval <= 0:
        publish(session_id, phones=phones, facilitator_full=False, parts=frozenset(parts))
        return
    process = this_process()
    if phones:
        process.pending_phones.add(session_id)
    if session_id in process.pending:
        process.pending[session_id].update(parts)
        return
    wait = max(0.0, process.last_sent.get(session_id, float("-inf")) + interval - time.monotonic())
    process.pending[session_id] = set(parts)
    socketio.start_background_task(_publish_later, current_app._get_current_object(), session_id, wait)


def _publish_later(app, session_id: int, delay: float) -> None:
    socketio.sleep(delay)
    now = time.monotonic()
    process = app.extensions["reflect.process"]
    parts = frozenset(process.pending.pop(session_id, state.PARTS))  # a change from now on schedules the next
    phones = session_id in process.pending_phones
    process.pending_phones.discard(session_id)
    process.last_sent[session_id] = now
    if len(process.last_sent) > 1000:  # forget sessions quiet for longer than any interval
        for quiet in [sid for sid, at in process.last_sent.items() if now - at > 60]:
            process.last_sent.pop(quiet, None)
    try:
        with app.app_context():
            begin_reads(get_session())  # a state only reads: no transaction on PostgreSQL
            publish(session_id, phones=phones, facilitator_full=False, parts=parts)
    except Exception as err:  # a background task has no one to report to: log the kind only
        log.error("delayed update failed: %s", type(err).__name__)


def presence_changed(session_id: int) -> None:
    """Who is here matters to the facilitator and the display's count, not to phones."""
    publish_soon(session_id, frozenset({"presence"}))


def leave_group_rooms(session_id: int, participant_id: int) -> None:
    """Take a participant's sockets (in any process) out of the rooms the group's state is
    sent to, e.g. once removed; only an admitted phone is in them."""
    for sid in storage.phone_socket_ids(get_session(), participant_id):
        for lang in LANGUAGES:
            socketio.server.leave_room(sid, phones_room(session_id, lang), namespace=PHONE_NS)


def nudge_waiting(session_id: int) -> None:
    """Phones waiting to be let in are in no room the group's state goes to: once the
    session has ended, each is told to resync (and then shows the end)."""
    for participant_id in storage.waiting_phone_ids(get_session(), session_id):
        nudge_participant(participant_id)


def nudge_participant(participant_id: int, event: str = "sync_needed") -> None:
    socketio.emit(event, {}, to=participant_room(participant_id), namespace=PHONE_NS)
