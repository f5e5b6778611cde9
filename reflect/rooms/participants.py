"""Joining, resuming and presence of phones. No accounts: a random token in a cookie.

Nothing here bumps the session version: the version counts changes to what phones and
the display share, and who is here is the facilitator's business.

Presence is one ``SocketPresence`` row per connected socket, refreshed by its server
process. A phone with no socket left is "reconnecting" for a grace period, then "away".
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from reflect.db import utcnow
from reflect.i18n import LANGUAGES
from reflect.models import GroupSession, Participant
from reflect.rooms import storage
from reflect.rooms.codes import normalise_code
from reflect.rooms.errors import RoomError
from reflect.tokens import new_token, token_hash

NAME_MAX = 40


def open_session_for_code(db: Session, raw_code: str | None) -> GroupSession | None:
    """The session this join code opens, if it is open; None otherwise."""
    code = normalise_code(raw_code)
    if code is None:
        return None
    session = storage.session_by_join_code(db, code)
    if session is None or session.phase == "ended":
        return None
    return session


def join(
    db: Session,
    session: GroupSession,
    *,
    agreed: bool,
    display_name: str | None = None,
    roster_member_id: int | None = None,
    locale: str = "en",
) -> tuple[Participant, str]:
    """A new participant; returns it and the raw token for its cookie (stored only hashed)."""
    if session.phase == "ended":
        raise RoomError("session_ended")
    if not agreed:
        raise RoomError("agreements_required")
    name = " ".join((display_name or "").split())[:NAME_MAX] or None
    held = None
    if roster_member_id is not None:
        member = storage.roster_member(db, roster_member_id)
        if member is None or member.group_id != session.group_id or not member.active:
            raise RoomError("roster_member_invalid")
        name = member.display_name
        held = holder_of(db, session, roster_member_id)
    raw = new_token()
    participant = Participant(
        session_id=session.id,
        token_hash=token_hash(raw),
        display_name=name,
        roster_member_id=roster_member_id,
        locale=locale if locale in LANGUAGES else "en",
        # a roster name already held here: this device waits for the facilitator to say
        # whether it is that same person (``lifecycle.settle_claim``)
        status="waiting" if session.locked or held is not None else "admitted",
        claims_id=held.id if held is not None else None,
    )
    storage.add_participant(db, participant)
    return participant, raw


def holder_of(db: Session, session: GroupSession, roster_member_id: int) -> Participant | None:
    """The participant of ``session`` who holds a roster name (not removed, not itself a
    claim waiting for the facilitator), if any."""
    return storage.roster_name_holder(db, session.id, roster_member_id)


def resuming(db: Session, raw: str | None, session_id: int | None = None) -> Participant | None:
    """The participant this device already is (its cookie), in a session not ended, and
    in ``session_id`` when given: opening the join link again resumes it."""
    participant, session = by_token_with_session(db, raw)
    if participant is None or (session_id is not None and participant.session_id != session_id):
        return None
    return participant if session.phase != "ended" else None


def by_token(db: Session, raw: str | None) -> Participant | None:
    if not raw:
        return None
    return storage.phone_by_token(db, token_hash(raw))


def by_token_with_session(db: Session, raw: str | None, *, lock: str | None = None
                          ) -> tuple[Participant, GroupSession] | tuple[None, None]:
    """The participant holding ``raw`` and their session; with ``lock`` (``"update"``,
    or ``"share"`` for the commands that never change what phones share) the session's
    row is locked until commit and both are read afresh (``storage.phone_and_session``)."""
    if not raw:
        return None, None
    return storage.phone_and_session(db, token_hash(raw), lock=lock)


def forget_token(db: Session, participant: Participant) -> None:
    """Leaving: the cookie's token is replaced by one nobody holds (attendance stays)."""
    participant.token_hash = token_hash(new_token())


def set_locale(db: Session, participant: Participant, locale: str) -> bool:
    if locale not in LANGUAGES:
        raise RoomError("language_invalid")
    changed = participant.locale != locale
    participant.locale = locale
    return changed


def raise_hand(db: Session, session: GroupSession, participant: Participant, raised: bool) -> None:
    require_admitted(session, participant)
    now_raised = participant.hand_raised_at is not None
    if raised != now_raised:
        participant.hand_raised_at = utcnow() if raised else None


def want_talk_after(db: Session, session: GroupSession, participant: Participant, wanted: bool) -> None:
    require_admitted(session, participant)
    if participant.talk_after != wanted:
        participant.talk_after = wanted


def require_admitted(session: GroupSession, participant: Participant) -> None:
    if participant.session_id != session.id:
        raise RoomError("forbidden")
    if session.phase == "ended":
        raise RoomError("session_ended")
    if participant.status == "waiting":
        raise RoomError("waiting_to_be_admitted")
    if participant.status != "admitted":
        raise RoomError("forbidden")


# --- presence -------------------------------------------------------------------------


def connected(db: Session, participant: Participant, sid: str, server_id: str) -> None:
    storage.add_socket(db, sid, participant, server_id, utcnow())
    participant.disconnected_at = None


def disconnected(db: Session, sid: str) -> int | None:
    """Forget one socket; returns its session id (None if unknown)."""
    gone = storage.drop_socket(db, sid)
    if gone is None:
        return None
    session_id, participant_id = gone
    storage.mark_gone_unless_connected(db, participant_id, utcnow())
    return session_id


def heartbeat(db: Session, server_id: str) -> None:
    storage.refresh_sockets(db, server_id, utcnow())


def sweep_stale(db: Session, max_age: timedelta) -> set[int]:
    """Drop sockets whose process stopped refreshing them (it crashed); returns the
    sessions whose presence changed."""
    stale = storage.drop_stale_sockets(db, utcnow() - max_age)
    now = utcnow()
    for participant_id in sorted({row.participant_id for row in stale}):
        storage.mark_gone_unless_connected(db, participant_id, now)
    return {row.session_id for row in stale}


def forget_server(db: Session, server_id: str) -> None:
    """A process starting with a new id leaves no rows of an earlier life behind."""
    storage.drop_server_sockets(db, server_id)


def presence_rows(db: Session, session_id: int) -> tuple[list, set[int]]:
    """Every participant of a session (as light rows of ``storage.PRESENCE_COLUMNS``, in
    joining order) and the ids of those with a socket open: no ORM objects."""
    return storage.presence_rows(db, session_id)


def presence_of(row, online: set[int], grace: timedelta, now: datetime) -> str:
    """"here" | "reconnecting" | "away" | "waiting" | "removed" for one participant row."""
    if row.status in ("waiting", "removed"):
        return row.status
    if row.id in online:
        return "here"
    if row.disconnected_at is not None and now - row.disconnected_at < grace:
        return "reconnecting"
    return "away"


def sessions_with_grace_ending(db: Session, grace: timedelta, since: datetime, now: datetime) -> set[int]:
    """Sessions where someone's grace period ran out after ``since``, up to ``now``."""
    return storage.sessions_disconnected_between(db, since - grace, now - grace)
