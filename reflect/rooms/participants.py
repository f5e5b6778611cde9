"""Joining, resuming and presence of phones. No accounts: a random token in a cookie.

Nothing here bumps the session version: the version counts changes to what phones and
the display share, and who is here is the facilitator's business.

Presence is one ``SocketPresence`` row per connected socket, refreshed by its server
process. A phone with no socket left is "reconnecting" for a grace period, then "away".
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from reflect.compiled_statements import CompiledStatement
from reflect.db import PREPARED_OPTION, utcnow
from reflect.i18n import LANGUAGES
from reflect.models import GroupSession, Participant, RosterMember, SocketPresence
from reflect.rooms.codes import normalise_code
from reflect.rooms.errors import RoomError
from reflect.rooms.views import RowView
from reflect.tokens import new_token, token_hash

NAME_MAX = 40


def open_session_for_code(db: Session, raw_code: str | None) -> GroupSession | None:
    """The session this join code opens, if it is open; None otherwise."""
    code = normalise_code(raw_code)
    if code is None:
        return None
    session = db.scalar(select(GroupSession).where(GroupSession.join_code == code))
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
        member = db.get(RosterMember, roster_member_id)
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
    db.add(participant)
    db.flush()
    return participant, raw


def holder_of(db: Session, session: GroupSession, roster_member_id: int) -> Participant | None:
    """The participant of ``session`` who holds a roster name (not removed, not itself a
    claim waiting for the facilitator), if any."""
    return db.scalar(select(Participant).where(
        Participant.session_id == session.id, Participant.roster_member_id == roster_member_id,
        Participant.status != "removed", Participant.claims_id.is_(None)).order_by(Participant.id).limit(1))


def resuming(db: Session, raw: str | None, session_id: int | None = None) -> Participant | None:
    """The participant this device already is (its cookie), in a session not ended, and
    in ``session_id`` when given: opening the join link again resumes it."""
    participant = by_token(db, raw)
    if participant is None or (session_id is not None and participant.session_id != session_id):
        return None
    session = db.get(GroupSession, participant.session_id)
    return participant if session is not None and session.phase != "ended" else None


_BY_TOKEN = select(Participant).where(Participant.token_hash == bindparam("token_hash"))


def by_token(db: Session, raw: str | None) -> Participant | None:
    if not raw:
        return None
    return db.scalar(_BY_TOKEN, {"token_hash": token_hash(raw)})


# The statements behind every phone command, built once (each would otherwise be built
# and keyed for SQLAlchemy's cache on every event): the phone and its session, the
# session's row unlocked, share-locked or locked for update (PostgreSQL; SQLite's write
# lock is the transaction's) and then read afresh. The locked ones, which begin every
# phone command, are prepared (PostgreSQL, once per connection).
_PREPARED = {PREPARED_OPTION: True}
_WITH_SESSION = (select(Participant, GroupSession).join(GroupSession, GroupSession.id == Participant.session_id)
                 .where(Participant.token_hash == bindparam("token_hash")))
_WITH_SESSION_LOCKED = {
    False: _WITH_SESSION,
    "read": _WITH_SESSION.with_for_update(of=GroupSession, read=True).execution_options(populate_existing=True,
                                                                                       **_PREPARED),
    "update": _WITH_SESSION.with_for_update(of=GroupSession).execution_options(populate_existing=True, **_PREPARED),
}


def by_token_with_session(db: Session, raw: str | None, *, lock: bool | str = False
                          ) -> tuple[Participant, GroupSession] | tuple[None, None]:
    """The participant holding ``raw`` and their session, in one query; with ``lock``
    (``"update"``, or ``"read"`` for a shared lock) the session's row is locked until
    commit (PostgreSQL) and read afresh."""
    if not raw:
        return None, None
    row = db.execute(_WITH_SESSION_LOCKED[lock], {"token_hash": token_hash(raw)}).first()
    return (row[0], row[1]) if row is not None else (None, None)


_P, _S = Participant.__table__, GroupSession.__table__
_P_NAMES, _S_NAMES = tuple(c.name for c in _P.c), tuple(c.name for c in _S.c)
# the phone's columns, then its session's (labelled: both tables have an "id")
_VIEWS = (select(*[c.label(f"p_{c.name}") for c in _P.c], *[c.label(f"s_{c.name}") for c in _S.c])
          .select_from(_P.join(_S, _S.c.id == _P.c.session_id))
          .where(_P.c.token_hash == bindparam("token_hash")))
# compiled once and run past SQLAlchemy's per-statement set-up on PostgreSQL
# (``reflect.compiled_statements``): every phone command that reads its session runs one
_VIEWS_LOCKED = {
    False: CompiledStatement(_VIEWS, prepared=False),
    "read": CompiledStatement(_VIEWS.with_for_update(of=_S, read=True)),
    "update": CompiledStatement(_VIEWS.with_for_update(of=_S)),
}


def views_by_token_with_session(db: Session, raw: str | None, *, lock: bool | str = False
                                ) -> tuple[RowView, RowView] | tuple[None, None]:
    """As :func:`by_token_with_session`, as read-only views of the two rows (plain
    columns, no ORM objects): for the commands that only read them."""
    if not raw:
        return None, None
    rows = _VIEWS_LOCKED[lock].rows(db, {"token_hash": token_hash(raw)})
    if not rows:
        return None, None
    row = rows[0]
    split = len(_P_NAMES)
    return RowView(dict(zip(_P_NAMES, row[:split]))), RowView(dict(zip(_S_NAMES, row[split:])))


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
    db.merge(SocketPresence(sid=sid, participant_id=participant.id, session_id=participant.session_id,
                            server_id=server_id, seen_at=utcnow()))
    participant.disconnected_at = None


def disconnected(db: Session, sid: str) -> int | None:
    """Forget one socket; returns its session id (None if unknown)."""
    row = db.get(SocketPresence, sid)
    if row is None:
        return None
    session_id, participant_id = row.session_id, row.participant_id
    db.delete(row)
    db.flush()
    _mark_gone_if_no_socket(db, participant_id)
    return session_id


def _mark_gone_if_no_socket(db: Session, participant_id: int) -> None:
    left = db.scalar(select(func.count()).select_from(SocketPresence).where(SocketPresence.participant_id == participant_id))
    if not left:
        db.execute(update(Participant).where(Participant.id == participant_id).values(disconnected_at=utcnow()))


def heartbeat(db: Session, server_id: str) -> None:
    db.execute(update(SocketPresence).where(SocketPresence.server_id == server_id).values(seen_at=utcnow()))


def sweep_stale(db: Session, max_age: timedelta) -> set[int]:
    """Drop sockets whose process stopped refreshing them (it crashed); returns the
    sessions whose presence changed."""
    cutoff = utcnow() - max_age
    stale = db.execute(select(SocketPresence.sid, SocketPresence.participant_id, SocketPresence.session_id)
                       .where(SocketPresence.seen_at < cutoff)).all()
    if not stale:
        return set()
    db.execute(delete(SocketPresence).where(SocketPresence.sid.in_([row.sid for row in stale])))
    for participant_id in {row.participant_id for row in stale}:
        _mark_gone_if_no_socket(db, participant_id)
    return {row.session_id for row in stale}


def forget_server(db: Session, server_id: str) -> None:
    """A process starting with a new id leaves no rows of an earlier life behind."""
    db.execute(delete(SocketPresence).where(SocketPresence.server_id == server_id))


PRESENCE_COLUMNS = (Participant.id, Participant.status, Participant.disconnected_at, Participant.display_name,
                    Participant.hand_raised_at, Participant.talk_after, Participant.roster_member_id,
                    Participant.locale, Participant.claims_id)


def presence_rows(db: Session, session_id: int) -> tuple[list, set[int]]:
    """Every participant of a session (as light rows of ``PRESENCE_COLUMNS``, in joining
    order) and the ids of those with a socket open: two queries, no ORM objects."""
    rows = db.execute(select(*PRESENCE_COLUMNS).where(Participant.session_id == session_id)
                      .order_by(Participant.id)).all()
    online = set(db.scalars(select(SocketPresence.participant_id).where(SocketPresence.session_id == session_id)))
    return rows, online


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
    return set(
        db.scalars(
            select(Participant.session_id).where(
                Participant.disconnected_at <= now - grace,
                Participant.disconnected_at > since - grace,
            )
        )
    )
