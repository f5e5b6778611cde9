"""A session's life: created with a deck, lobby → connect → reflect → grow → ended.

The facilitator can step back to an earlier phase (never out of "ended"). Every change
to what phones and the display share bumps the session's version in the same
transaction, except a reaction's count (sent with the throttled update, see
``broadcast.publish_soon``); changes only the facilitator sees (who is admitted, hands)
do not.
"""
from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete, func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from reflect.compiled_statements import CompiledStatement
from reflect.db import utcnow
from reflect.models import (
    Answer, CheckinAnswer, CheckinMark, CheckinRound, Group, GroupSession, Note, Participant, ProcessedCommand,
    Reaction, ResponseMark, SessionCard, SocketPresence, User,
)
from reflect.prompts.model import Deck
from reflect.rooms import scales as scale_defs
from reflect.rooms.codes import new_join_code
from reflect.rooms.errors import RoomError
from reflect.rooms.process import MAX_SESSIONS_KEPT, this_process
from reflect.rooms.settle import settle_all, settle_closed, settle_round
from reflect.tokens import new_token, token_hash

PHASES = ("lobby", "connect", "reflect", "grow", "ended")
TIMER_MIN, TIMER_MAX = 10, 60 * 60
TITLE_MAX = 120


def _next_version(session: GroupSession) -> int:
    return (session.version or 0) + 1


def bump(session: GroupSession) -> None:
    session.version = _next_version(session)


def _unique_code(db: Session) -> str:
    while True:
        code = new_join_code()
        if db.scalar(select(GroupSession.id).where(GroupSession.join_code == code)) is None:
            return code


def create_session(
    db: Session,
    facilitator: User,
    group: Group,
    deck: Deck,
    *,
    title: str = "",
    allow_names: bool = True,
    allow_free_feeling: bool = False,
    scales: list[str] | None = None,
    min_group_size: int = 3,
    planned_for: datetime | None = None,
) -> GroupSession:
    """A new session in the lobby, with a copy of every card of ``deck`` as it is now.
    ``planned_for`` (naive UTC) is when the group means to meet, for a session set up
    ahead; its code works from now, so the link can be sent with the invitation."""
    title = " ".join((title or "").split())[:TITLE_MAX]
    session = GroupSession(
        group_id=group.id,
        facilitator_id=facilitator.id,
        deck_id=deck.id,
        title=title or group.name,
        phase="lobby",
        version=1,
        join_code=_unique_code(db),
        allow_names=allow_names,
        allow_free_feeling=allow_free_feeling,
        min_group_size=max(2, int(min_group_size)),
        checkin_scales=scale_defs.checked_scales(scales),
        anon_salt=secrets.token_hex(32),
        planned_for=planned_for,
    )
    db.add(session)
    db.flush()
    for position, card in enumerate(deck.cards):
        db.add(
            SessionCard(
                session_id=session.id,
                position=position,
                deck_card_id=card.id,
                deck_version=deck.version,
                languages=list(deck.languages),
                text=dict(card.text),
                followup=dict(card.followup or {}),
                perspective=card.perspective,
                themes=list(card.themes),
            )
        )
    db.flush()
    return session


def plan(session: GroupSession, planned_for: datetime | None) -> None:
    """Move (or clear) when a session is meant to take place: only before it has begun
    (back in the lobby after the check-in, it has met: the date is history)."""
    if session.phase != "lobby" or session.started_at is not None:
        raise RoomError("not_in_phase")
    session.planned_for = planned_for


@dataclass(frozen=True)
class CardFace:
    """What is shown of a session's card: its text is a copy made when the session is
    created, never changed after (only ``shown_at`` changes, and it is not here)."""

    id: int
    position: int
    languages: tuple[str, ...]
    text: dict
    followup: dict
    perspective: str

    @classmethod
    def of(cls, card: SessionCard) -> "CardFace":
        return cls(id=card.id, position=card.position, languages=tuple(card.languages), text=dict(card.text),
                   followup=dict(card.followup or {}), perspective=card.perspective)


# A session's cards are copied from its deck when it is created and never added,
# removed, moved or edited, so what each shows, by position, is a fact for the session's
# whole life: kept per process (``process.card_faces``), keyed by the session's id and
# creation time (an id alone could come back after a delete), read once per session and
# process.
_CARDS_OF = select(SessionCard).where(SessionCard.session_id == bindparam("session_id")).order_by(SessionCard.position)


def _cards(db: Session, session: GroupSession) -> tuple[tuple[int, ...], tuple[CardFace, ...]]:
    key = (session.id, session.created_at)
    kept = this_process().card_faces
    found = kept.get(key)
    if found is None:
        if isinstance(session, GroupSession) and "cards" not in inspect(session).unloaded:
            cards = list(session.cards)
        else:
            cards = list(db.scalars(_CARDS_OF, {"session_id": session.id}))
        faces = tuple(CardFace.of(c) for c in cards)
        if len(kept) >= MAX_SESSIONS_KEPT:
            kept.clear()
        found = kept[key] = (tuple(f.id for f in faces), faces)
    return found


def card_ids(db: Session, session: GroupSession) -> tuple[int, ...]:
    """The session's card ids, by position."""
    return _cards(db, session)[0]


def card_faces(db: Session, session: GroupSession) -> tuple[CardFace, ...]:
    """What each of the session's cards shows, by position."""
    return _cards(db, session)[1]


def current_card_id(db: Session, session: GroupSession) -> int | None:
    """The id of the card on screen, without reading it."""
    ids = card_ids(db, session)
    position = session.current_position
    return ids[position] if position is not None and 0 <= position < len(ids) else None


def settle_left_behind(db: Session, session: GroupSession) -> int:
    """Settle what ``session`` has left behind (``settle.settle_closed``): every card,
    takeaway prompt or check-in round no longer open. The caller holds the row lock."""
    return settle_closed(db, session, current_card_id(db, session))


def current_card(db: Session, session: GroupSession) -> CardFace | None:
    """What the card on screen shows (read once per session and process)."""
    faces = card_faces(db, session)
    position = session.current_position
    return faces[position] if position is not None and 0 <= position < len(faces) else None


_SHOWN = select(SessionCard.id).where(SessionCard.session_id == bindparam("session_id"),
                                      SessionCard.shown_at.is_not(None))
_MARK_SHOWN = (update(SessionCard).where(SessionCard.id == bindparam("card"), SessionCard.shown_at.is_(None))
               .values(shown_at=bindparam("now")).execution_options(synchronize_session=False))


def shown_card_ids(db: Session, session: GroupSession) -> set[int]:
    """The ids of the cards this session has shown."""
    return set(db.scalars(_SHOWN, {"session_id": session.id}))


def _mark_shown(db: Session, session: GroupSession, position: int) -> None:
    db.execute(_MARK_SHOWN, {"card": card_ids(db, session)[position], "now": utcnow()})


def _show_card(db: Session, session: GroupSession, position: int) -> None:
    # marked shown before the session changes, so that the statement does not flush the
    # session's row early and the commit writes it once
    _mark_shown(db, session, position)
    session.current_position = position
    session.timer_ends_at = None


def _round_of(db: Session, session: GroupSession, kind: str) -> CheckinRound | None:
    return db.scalar(select(CheckinRound).where(CheckinRound.session_id == session.id, CheckinRound.kind == kind))


def _ensure_round(db: Session, session: GroupSession, kind: str) -> CheckinRound:
    existing = _round_of(db, session, kind)
    if existing is not None:
        return existing
    round_ = CheckinRound(session_id=session.id, kind=kind, status="open", scales=list(session.checkin_scales))
    db.add(round_)
    db.flush()
    return round_


def set_phase(db: Session, session: GroupSession, phase: str) -> None:
    if phase not in PHASES:
        raise RoomError("phase_invalid")
    if session.phase == "ended":
        raise RoomError("session_ended")
    if phase == session.phase:
        return
    if phase == "ended":
        end_session(db, session)
        return
    if session.started_at is None and phase != "lobby":
        session.started_at = utcnow()
    if session.phase == "connect" and phase != "lobby":
        close_open_round(db, session, _round_of(db, session, "opening"))  # its results: shown now or never
    session.phase = phase
    session.timer_ends_at = None
    if phase == "connect":
        round_ = _ensure_round(db, session, "opening")
        if round_.status == "closed" and not results_shown(db, session, round_):
            round_.status, round_.closed_at = "open", None  # back to check in: nothing was shown yet
    if phase == "reflect" and session.current_position is None and card_ids(db, session):
        _show_card(db, session, 0)
    settle_left_behind(db, session)  # the card or the takeaways the phase leaves behind
    bump(session)


def step(db: Session, session: GroupSession, direction: int) -> None:
    """Next (+1) or previous (-1) phase."""
    index = PHASES.index(session.phase) + direction
    if index < 0 or index >= len(PHASES):
        raise RoomError("phase_invalid")
    set_phase(db, session, PHASES[index])


# Built once: a card move writes the session's row with this one statement rather than
# through the ORM's unit of work, whose flush was a sixth of a card move's time before its
# broadcast. The row is locked by the command's unit of work (``FOR UPDATE``).
_SESSIONS, _SESSION_CARDS = GroupSession.__table__, SessionCard.__table__
_MOVE = (update(_SESSIONS).where(_SESSIONS.c.id == bindparam("moved_session"))
         .values(current_position=bindparam("new_position"), version=bindparam("new_version"), timer_ends_at=None))
# On PostgreSQL the new card is marked shown by the same statement (a data-modifying
# WITH): one round trip, not two. SQLite runs ``_MARK_SHOWN`` then ``_MOVE``. (No
# parameter is named after a column of either table: an UPDATE would take it as a value
# to set.)
_MARK_SHOWN_POSTGRESQL = (
    update(_SESSION_CARDS).where(_SESSION_CARDS.c.id == bindparam("card"), _SESSION_CARDS.c.shown_at.is_(None))
    .values(shown_at=bindparam("now")))
# A card move is what a room of phones waits for: on PostgreSQL the statement is prepared
# (once per connection) and compiled once (``reflect.compiled_statements``), and sent now,
# or with the COMMIT for a command that reads nothing it changes before then.
_MARK_SHOWN_AND_MOVE_POSTGRESQL = CompiledStatement(_MOVE.add_cte(_MARK_SHOWN_POSTGRESQL.cte("shown")))


@functools.cache
def _compiled(reading: Select) -> CompiledStatement:
    """``reading``, prepared and compiled once on PostgreSQL: built once per ``reading``,
    itself built once."""
    return CompiledStatement(reading)


def move_card(db: Session, session: GroupSession, action: str, position: int | None = None, *,
              reading: Select | None = None) -> Sequence | None:
    """Show the card ``action`` leads to ("next", "prev", or "jump" to ``position``).

    ``reading``: on PostgreSQL, a query of what the group sees of the new card (its
    parameters: ``in_session``, the session's id, and ``card``, the new card's id). Then
    the move is sent with the unit of work's ``COMMIT`` and the query after it, one round
    trip for the three (``CompiledStatement.after_commit``): the caller reads nothing the move
    changes before its commit, and the rows returned arrive with the commit. None: not
    read (SQLite, where a statement costs no round trip, or no move)."""
    if session.phase != "reflect":
        raise RoomError("not_in_phase", phase="reflect")
    total = len(card_ids(db, session))  # the cards themselves are not loaded: only the one shown
    current = session.current_position or 0
    target = {"next": current + 1, "prev": current - 1, "jump": position}.get(action)
    if target is None or not 0 <= target < total:
        raise RoomError("card_out_of_range")
    if target == session.current_position:
        return None
    moved = {"current_position": target, "version": _next_version(session), "timer_ends_at": None}
    values = {"moved_session": session.id, "new_position": target, "new_version": moved["version"]}
    read = None
    if db.get_bind().dialect.name == "postgresql":
        values.update(card=card_ids(db, session)[target], now=utcnow())
        if reading is None:
            _MARK_SHOWN_AND_MOVE_POSTGRESQL.write(db, values)
        else:
            _MARK_SHOWN_AND_MOVE_POSTGRESQL.with_commit(db, values)
            read = _compiled(reading).after_commit(db, {"in_session": session.id, "card": values["card"]})
    else:
        _mark_shown(db, session, target)
        db.execute(_MOVE, values)
    for name, value in moved.items():  # the object holds what the row now holds, with nothing left to write
        set_committed_value(session, name, value)
    return read


def set_locked(db: Session, session: GroupSession, locked: bool) -> None:
    _require_open(session)
    if session.locked != locked:
        session.locked = locked
        bump(session)


def set_allow_names(db: Session, session: GroupSession, allow: bool) -> None:
    _require_open(session)
    if session.allow_names != allow:
        session.allow_names = allow
        bump(session)


def _participant_of(db: Session, session: GroupSession, participant_id: int) -> Participant:
    participant = db.get(Participant, participant_id)
    if participant is None or participant.session_id != session.id:
        raise RoomError("not_found")
    return participant


def admit(db: Session, session: GroupSession, participant_id: int) -> None:
    _require_open(session)
    participant = _participant_of(db, session, participant_id)
    if participant.claims_id is not None:  # a second device for a name already here
        raise RoomError("claim_pending")
    if participant.status in ("waiting", "removed"):  # let in, or back in after a mistaken removal
        participant.status = "admitted"


def remove(db: Session, session: GroupSession, participant_id: int) -> None:
    _require_open(session)
    participant = _participant_of(db, session, participant_id)
    participant.status = "removed"
    participant.hand_raised_at = None


def settle_claim(db: Session, session: GroupSession, participant_id: int, same: bool) -> int | None:
    """A device that chose a roster name already held here (``claims_id``): ``same``, it
    is that participant on a new device (the participant takes this device's token and
    sockets; the old device's token stops working, and the waiting row is deleted, so the
    room still counts one person); otherwise it is refused (removed). Returns the id of
    the participant the device now is (None when refused)."""
    _require_open(session)
    claimer = _participant_of(db, session, participant_id)
    if claimer.claims_id is None:
        raise RoomError("not_found")
    if not same:
        claimer.status = "removed"
        claimer.claims_id = None
        return None
    held = _participant_of(db, session, claimer.claims_id)
    token = claimer.token_hash
    claimer.token_hash = token_hash(new_token())
    db.flush()
    # the old device's sockets no longer count it here (its token stops working)
    db.execute(delete(SocketPresence).where(SocketPresence.participant_id == held.id))
    held.token_hash = token
    held.locale = claimer.locale
    if held.status == "removed":
        held.status = "admitted"
    db.execute(update(SocketPresence).where(SocketPresence.participant_id == claimer.id)
               .values(participant_id=held.id))
    db.flush()
    db.delete(claimer)
    return held.id


def set_timer(db: Session, session: GroupSession, seconds: int | None) -> None:
    _require_open(session)
    if seconds is None:
        session.timer_ends_at = None
    else:
        if not TIMER_MIN <= seconds <= TIMER_MAX:
            raise RoomError("timer_invalid")
        session.timer_ends_at = utcnow() + timedelta(seconds=seconds)
    bump(session)


def lower_hand(db: Session, session: GroupSession, participant_id: int) -> None:
    participant = _participant_of(db, session, participant_id)
    participant.hand_raised_at = None


def end_session(db: Session, session: GroupSession, *, at: datetime | None = None) -> None:
    """Close the session (``at``: when it ended; now unless given): the join code stops
    working, open rounds close, and in this same transaction everything that tied a
    person to what they did in it goes (see ``unlink_people``). A session that never
    left the lobby keeps no start: it was never held."""
    now = at or utcnow()
    session.phase = "ended"
    session.ended_at = now
    session.join_code = None
    session.anon_salt = None
    session.timer_ends_at = None
    db.execute(
        update(CheckinRound)
        .where(CheckinRound.session_id == session.id, CheckinRound.status == "open")
        .values(status="closed", closed_at=now)
        .execution_options(synchronize_session=False)
    )
    unlink_people(db, session.id)
    for obj in list(db.identity_map.values()):  # rounds loaded before see what was just written
        if isinstance(obj, CheckinRound) and obj.session_id == session.id:
            db.expire(obj)
    bump(session)


def unlink_people(db: Session, session_id: int) -> None:
    """Everything of an ended session that tied a participant to what they did in it,
    deleted: the commands' records (with their acknowledgements), the "has answered"
    marks (each check-in round's count kept first), the reactions (each answer's count
    stays) and the salt that keyed them, the time a hand went up; and every anonymous
    row written again in a random order (``settle.settle_all``). Attendance (who was
    admitted, when they joined and last left) is kept: it is linked to nothing anyone
    wrote. Used by ``end_session`` and by the migration that did the same to sessions
    ended before it."""
    rounds = select(CheckinRound.id).where(CheckinRound.session_id == session_id)
    counted = (select(func.count()).select_from(CheckinMark)
               .where(CheckinMark.round_id == CheckinRound.id).scalar_subquery())
    db.execute(update(CheckinRound).where(CheckinRound.session_id == session_id, CheckinRound.answered.is_(None))
               .values(answered=counted).execution_options(synchronize_session=False))
    options = {"synchronize_session": False}
    db.execute(delete(CheckinMark).where(CheckinMark.round_id.in_(rounds)).execution_options(**options))
    db.execute(delete(ResponseMark).where(ResponseMark.session_id == session_id).execution_options(**options))
    db.execute(delete(ProcessedCommand).where(ProcessedCommand.session_id == session_id).execution_options(**options))
    db.execute(delete(Reaction).where(Reaction.answer_id.in_(select(Answer.id).where(Answer.session_id == session_id)))
               .execution_options(**options))
    db.execute(update(GroupSession).where(GroupSession.id == session_id).values(anon_salt=None)
               .execution_options(**options))
    db.execute(update(Participant).where(Participant.session_id == session_id).values(hand_raised_at=None)
               .execution_options(**options))
    settle_all(db, session_id)


def last_activity(db: Session, session: GroupSession) -> datetime:
    """When anything last happened in the session: its creation or start, a card shown,
    a check-in opened or closed, someone joining, a note written."""
    sid = session.id
    times = [session.created_at, session.started_at]
    times += db.execute(select(
        select(func.max(SessionCard.shown_at)).where(SessionCard.session_id == sid).scalar_subquery(),
        select(func.max(CheckinRound.opened_at)).where(CheckinRound.session_id == sid).scalar_subquery(),
        select(func.max(CheckinRound.closed_at)).where(CheckinRound.session_id == sid).scalar_subquery(),
        select(func.max(Participant.joined_at)).where(Participant.session_id == sid).scalar_subquery(),
        select(func.max(Note.updated_at)).where(Note.session_id == sid).scalar_subquery(),
    )).one()
    return max(t for t in times if t is not None)


def end_idle_sessions(db: Session, idle: timedelta, now: datetime | None = None) -> list[int]:
    """End every session in which nothing has happened for ``idle``, as ended when its
    last activity was (a forgotten session neither keeps its code working and its text
    unpurged, nor credits anyone with the hours it stood open). A session that never
    left the lobby is left open: it holds nothing anyone wrote, and it may have been
    opened ahead of time so that its code could be handed out. Returns their ids."""
    now = now or utcnow()
    ended = []
    open_ids = db.scalars(select(GroupSession.id).where(
        GroupSession.phase != "ended", GroupSession.started_at.is_not(None), GroupSession.created_at < now - idle,
    ).order_by(GroupSession.id))
    for sid in list(open_ids):
        # the row locked first, as every live command does
        session = db.scalar(select(GroupSession).where(GroupSession.id == sid).with_for_update())
        if session is None or session.phase == "ended":
            continue
        last = last_activity(db, session)
        if last < now - idle:
            end_session(db, session, at=last)
            ended.append(sid)
    return ended


def results_shown(db: Session, session: GroupSession, round_: CheckinRound) -> bool:
    """Whether a closed round's figures are shown (as ``checkins.result`` decides)."""
    answers = db.scalar(select(func.count()).select_from(CheckinAnswer)
                        .where(CheckinAnswer.round_id == round_.id, CheckinAnswer.passed.is_(False)))
    return answers >= session.min_group_size


def close_open_round(db: Session, session: GroupSession, round_: CheckinRound | None) -> bool:
    """Close ``round_`` if it is open, its anonymous rows settled (written again in a
    random order: ``rooms.settle``); returns whether it was open. Bumps nothing."""
    if round_ is None or round_.status == "closed":
        return False
    round_.status, round_.closed_at = "closed", utcnow()
    settle_round(db, round_.id)
    return True


def _require_open(session: GroupSession) -> None:
    if session.phase == "ended":
        raise RoomError("session_ended")
