"""Idempotent commands: a command id is applied once; a retry gets the same acknowledgement.

The browser's socket client re-sends buffered emits after a reconnect, and a phone on a
weak network retries; both must never store an answer twice.

Anonymous commands (a check-in, an answer, a pass, a takeaway, a reaction) are *not*
recorded here: a row naming the phone, written in the same transaction as an anonymous
row, would tie the two together (by its transaction stamp, its place in storage, its
acknowledgement). Their retry is known by the command id on the phone's "has answered"
mark instead: the service that writes the mark acknowledges the retry itself
(``answers.answer_card`` and the others, ``checkins.submit``). What is recorded here is the service's own
acknowledgement, never what the command set in the phone's state, and a session's
records are deleted when it ends (``lifecycle.unlink_people``).
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from reflect.rooms import storage
from reflect.rooms.errors import RoomError


def already_done(db: Session, actor: str, command_id: str) -> dict | None:
    return storage.recorded_response(db, actor, command_id)


def apply_once(db: Session, actor: str, session_id: int, command_id: str, apply: Callable[[], dict]) -> tuple[dict, bool]:
    """Run ``apply`` unless this command id was applied before.

    Returns (acknowledgement, applied_now). The record of the command is written in the
    same transaction as its effect, so both are committed together or not at all.

    A retry is found without a look-up before every command (one query fewer on every
    command, where retries are rare): a retried command that cannot apply twice (an
    answer already given, a card no longer on screen) fails with a ``RoomError``, and the
    stored acknowledgement is repeated instead; one that can apply again is stopped by
    its record, whose insert fails with an ``IntegrityError``: the caller rolls the unit
    of work back, effect and all, and repeats the stored acknowledgement.
    """
    try:
        response = apply()
    except RoomError:
        previous = already_done(db, actor, command_id)
        if previous is not None:
            return previous, False
        raise
    storage.record_command(db, actor, command_id, session_id, response)
    return response, True
