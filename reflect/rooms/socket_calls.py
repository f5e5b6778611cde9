"""What every Socket.IO event of the live session goes through, whatever its audience.

The per-audience modules (``phone_events``, ``facilitator_events``, ``display_events``)
hold the events themselves, each a short function: authorise, validate, call a
service, return the acknowledgement. This module holds what they share:

- :func:`answer`: the event limit, and every error answered the same way (the
  connection always survives: a refused command changes nothing, is rolled back and
  answered with an error code in the socket's language);
- :func:`load`: the event's marshmallow schema applied to what the client sent;
- :class:`Reply`: an event's acknowledgement and what it changed
  (``broadcast.Changed``), from which the broadcast is decided (``broadcast.after_change``);
- :func:`once`: a command applied once per command id and committed;
- :func:`sync_if_moved_on`: after a socket's first state, a nudge if it is already old;
- :func:`screen_opened`, :func:`opened_for`, :func:`screen_closed`: what a console or
  projector socket was opened for, and its record for every process (``screens``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app, request
from flask_babel import force_locale
from flask_socketio import ConnectionRefusedError, join_room
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from reflect.db import begin_reads, get_session, get_store
from reflect.extensions import socketio
from reflect.rooms import commands, screens, storage
from reflect.rooms.errors import RoomError
from reflect.rooms.messages import error_payload
from reflect.rooms.process import Process, this_process

log = logging.getLogger("reflect.rooms")


@dataclass
class Reply:
    """What an event's function returns: ``ack``, the acknowledgement's own fields
    (beyond ``"ok": True``); ``console``, the parts of the facilitator's state the
    command changed (``state.PARTS``, plus ``"cards"``; None: possibly any, so the whole
    state); ``counts``: a count phones see moved with no new version (a reaction);
    ``me``: for a phone, the fields of its own state the command set, when they can be
    said without reading them again (None: its whole ``me`` is read after the commit)."""

    ack: dict = field(default_factory=dict)
    console: frozenset[str] | None = None
    counts: bool = False
    me: dict | None = None


def event_limit_ok() -> bool:
    return this_process().event_counter.hit(request.sid, current_app.config["REFLECT_SOCKET_EVENTS_PER_10S"], 10.0)


def counts_refused_events(process: Process, limit: int) -> Callable[[str], None]:
    """What ``packets.guard_incoming`` calls for an event it refuses: counted toward the
    socket's limit like any other."""
    return lambda sid: process.event_counter.hit(sid, limit, 10.0)


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


def load(schema: type[Schema], data) -> dict:
    """``data`` validated by ``schema`` (one instance per schema and process: building
    one copies its declared fields, which costs more than a load)."""
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


def answer(locale: str, run: Callable[[], dict], *, within_limit: bool | None = None) -> dict:
    """Run one event's work and answer it; any failure is answered with an error code
    (in ``locale``) and rolled back. ``within_limit``: the event limit, when the caller
    checked it earlier (before taking a lock)."""
    db = get_session()
    try:
        if not (event_limit_ok() if within_limit is None else within_limit):
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
        return busy(err, locale)
    except Exception as err:  # never let input crash the connection; log the type, not the data
        db.rollback()
        log.error("event failed: %s", type(err).__name__, exc_info=current_app.debug or current_app.testing)
        with force_locale(locale):
            return error_payload("server_error")


def once(actor: str, session_id: int, cid: str | None, apply: Callable[[], dict]) -> tuple[dict, bool]:
    """Apply a command once per command id and commit: (acknowledgement, applied now).
    A retry, or a concurrent second copy whose record collides at the commit, gets the
    acknowledgement stored by the first (``commands``)."""
    db = get_session()
    try:
        if cid is None:
            response, applied = apply(), True
        else:
            response, applied = commands.apply_once(db, actor, session_id, cid, apply)
        db.commit()
    except IntegrityError:
        db.rollback()
        previous = commands.already_done(db, actor, cid) if cid else None
        if previous is None:
            raise
        return previous, False
    return response, applied


def sync_if_moved_on(namespace: str, session_id: int, sent: int) -> None:
    """After a socket's first state: if the session's version has moved past it, tell the
    socket to sync. A change committed after the state was read was broadcast to the
    socket (already in its room), but its broadcast may have left before the older first
    state, which the client takes as the truth; a change committed after this read is
    broadcast after the first state, so it arrives after it."""
    db = get_session()
    db.commit()  # a fresh read (SQLite would keep the snapshot's own transaction)
    begin_reads(db)
    current = storage.session_version(db, session_id)
    db.commit()
    if current is not None and current > sent:
        socketio.emit("sync_needed", {}, to=request.sid, namespace=namespace)


def screen_opened(namespace: str, session, audience: str, lang: str, opened_for: dict, rooms: list[str]) -> None:
    """A console or projector socket: remember what it was opened for (``process.sockets``:
    a socket lives in one process), put it in its rooms, then record the screen for every
    process (``screens``) and read the session afresh for its first state. A change
    committed before the record is in that state; one committed after it is broadcast
    to the screen."""
    process = this_process()
    process.sockets[(namespace, request.sid)] = opened_for
    for room in rooms:
        join_room(room)
    db = get_session()
    screens.connected(db, request.sid, session.id, audience, lang, process.server_id)
    db.commit()
    db.refresh(session)


def opened_for(namespace: str) -> dict:
    """What this console or projector socket was opened for ({} if it was refused)."""
    return this_process().sockets.get((namespace, request.sid), {})


def screen_closed(namespace: str) -> None:
    process = this_process()
    process.event_counter.forget(request.sid)
    if process.sockets.pop((namespace, request.sid), None) is not None:
        db = get_session()
        screens.disconnected(db, request.sid)
        db.commit()


def busy(err: PoolTimeout, locale: str = "en") -> dict:
    """Every database connection in use for longer than the pool's timeout: the command
    did nothing and is answered "busy" (the pages send it again, with the same id);
    logged once per outage."""
    get_session().rollback()
    get_store().pool_busy(err, "a socket event")
    with force_locale(locale):
        return error_payload("busy")


@socketio.on_error_default
def _any_error(err):  # an exception outside ``answer``: log its type only, keep the socket
    if isinstance(err, PoolTimeout):
        if (getattr(request, "event", None) or {}).get("message") == "connect":
            busy(err)
            raise ConnectionRefusedError("busy")  # the pages connect again a moment later
        return busy(err)
    log.error("socket handler failed: %s", type(err).__name__, exc_info=current_app.debug or current_app.testing)
    return error_payload("server_error")
