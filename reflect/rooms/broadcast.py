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

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from reflect.db import get_session
from reflect.extensions import socketio
from reflect.i18n import LANGUAGES
from reflect.models import GroupSession, SocketPresence, User
from reflect.rooms import state

PHONE_NS, DISPLAY_NS, FACILITATOR_NS = "/phone", "/display", "/facilitator"


def phones_room(session_id: int, lang: str) -> str:
    return f"s:{session_id}:phones:{lang}"


def display_room(session_id: int, lang: str) -> str:
    return f"s:{session_id}:display:{lang}"


def facilitator_room(session_id: int, lang: str) -> str:
    return f"s:{session_id}:facilitator:{lang}"


def participant_room(participant_id: int) -> str:
    return f"p:{participant_id}"


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["REFLECT_PRESENCE_GRACE_SECONDS"])


def publish(session_id: int, *, phones: bool = True, display: bool = True, facilitator: bool = True) -> None:
    db = get_session()
    session = db.get(GroupSession, session_id)
    if session is None:
        return
    for lang in LANGUAGES:
        if phones:
            socketio.emit("state", state.phone_public(db, session, lang), to=phones_room(session_id, lang),
                          namespace=PHONE_NS)
        if display:
            socketio.emit("state", state.display_state(db, session, lang, grace()),
                          to=display_room(session_id, lang), namespace=DISPLAY_NS)
    if facilitator:
        publish_facilitator(session)


def publish_facilitator(session: GroupSession) -> None:
    db = get_session()
    user = db.get(User, session.facilitator_id)
    for lang in LANGUAGES:
        socketio.emit("state", state.facilitator_state(db, session, user, lang, grace()),
                      to=facilitator_room(session.id, lang), namespace=FACILITATOR_NS)


def presence_changed(session_id: int) -> None:
    """Who is here matters to the facilitator and the display's count, not to phones."""
    publish(session_id, phones=False)


def leave_group_rooms(session_id: int, participant_id: int) -> None:
    """Take a participant's sockets (in any process) out of the rooms the group's state is
    sent to, e.g. once removed; only an admitted phone is in them."""
    sids = get_session().scalars(select(SocketPresence.sid).where(SocketPresence.participant_id == participant_id))
    for sid in list(sids):
        for lang in LANGUAGES:
            socketio.server.leave_room(sid, phones_room(session_id, lang), namespace=PHONE_NS)


def nudge_participant(participant_id: int, event: str = "sync_needed") -> None:
    socketio.emit(event, {}, to=participant_room(participant_id), namespace=PHONE_NS)
