"""A session's life: created with a deck, lobby → connect → reflect → grow → ended.

The facilitator can step back to an earlier phase (never out of "ended"). Every change
to what phones and the display share bumps the session's version in the same
transaction, except a reaction's count (sent with the throttled update, see
``broadcast.publish_soon``); changes only the facilitator sees (who is admitted, hands)
do not.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from reflect.db import utcnow
from reflect.models import CheckinRound, Group, GroupSession, Participant, SessionCard, User
from reflect.prompts.model import Deck
from reflect.rooms import scales as scale_defs
from reflect.rooms import storage
from reflect.rooms.codes import new_join_code
from reflect.rooms.errors import RoomError
from reflect.rooms.process import MAX_SESSIONS_KEPT, this_process
from reflect.rooms.settle import settle_all, settle_closed, settle_round
from reflect.tokens import new_token, token_hash

PHASES = ("lobby", "connect", "reflect", "grow", "ended")
TIMER_MIN, TIMER_MAX = 10, 60 * 60
TITLE_MAX = 120


def bump(session: GroupSession) -> None:
    session.version = (session.version or 0) + 1


def _unique_code(db: Session) -> str:
    while True:
        code = new_join_code()
        if not storage.join_code_in_use(db, code):
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
    cards = [
        SessionCard(
            position=position,
            deck_card_id=card.id,
            deck_version=deck.version,
            languages=list(deck.languages),
            text=dict(card.text),
            followup=dict(card.followup or {}),
            perspective=card.perspective,
            themes=list(card.themes),
        )
        for position, card in enumerate(deck.cards)
    ]
    storage.add_session(db, session, cards)
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


def _cards(db: Session, session: GroupSession) -> tuple[tuple[int, ...], tuple[CardFace, ...]]:
    key = (session.id, session.created_at)
    kept = this_process().card_faces
    found = kept.get(key)
    if found is None:
        faces = tuple(CardFace.of(c) for c in storage.session_cards(db, session.id))
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


def shown_card_ids(db: Session, session: GroupSession) -> set[int]:
    """The ids of the cards this session has shown."""
    return storage.shown_card_ids(db, session.id)


def _show_card(db: Session, session: GroupSession, position: int) -> None:
    """The card at ``position`` on screen (its timer cleared), marked shown if it never was."""
    # marked shown before the session changes, so that the statement does not flush the
    # session's row early and the commit writes it once
    storage.mark_card_shown(db, card_ids(db, session)[position], utcnow())
    session.current_position = position
    session.timer_ends_at = None


def _ensure_round(db: Session, session: GroupSession, kind: str) -> CheckinRound:
    existing = storage.round_of(db, session.id, kind)
    if existing is not None:
        return existing
    round_ = CheckinRound(session_id=session.id, kind=kind, status="open", scales=list(session.checkin_scales))
    storage.add_round(db, round_)
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
        close_open_round(db, session, storage.round_of(db, session.id, "opening"))  # its results: shown now or never
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


def move_card(db: Session, session: GroupSession, action: str, position: int | None = None) -> None:
    """Show the card ``action`` leads to ("next", "prev", or "jump" to ``position``)."""
    if session.phase != "reflect":
        raise RoomError("not_in_phase", phase="reflect")
    total = len(card_ids(db, session))  # the cards themselves are not loaded: only the one shown
    current = session.current_position or 0
    target = {"next": current + 1, "prev": current - 1, "jump": position}.get(action)
    if target is None or not 0 <= target < total:
        raise RoomError("card_out_of_range")
    if target == session.current_position:
        return
    _show_card(db, session, target)
    bump(session)


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
    participant = storage.participant_in_session(db, session.id, participant_id)
    if participant is None:
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
    claimer.token_hash = token_hash(new_token())  # written before the held participant takes it
    # the new device's sockets count as the held participant's; the old device's no
    # longer count it here (its token stops working)
    storage.hand_over_sockets(db, claimer.id, held.id)
    held.token_hash = token
    held.locale = claimer.locale
    if held.status == "removed":
        held.status = "admitted"
    storage.delete_participant(db, claimer)
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
    for round_ in storage.rounds_of(db, session.id):
        if round_.status == "open":
            round_.status, round_.closed_at = "closed", now
    unlink_people(db, session.id)
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
    for round_ in storage.rounds_of(db, session_id):
        if round_.answered is None:
            round_.answered = storage.checkin_marks_count(db, round_.id)
    storage.delete_links_to_people(db, session_id)
    settle_all(db, session_id)


def last_activity(db: Session, session: GroupSession) -> datetime:
    """When anything last happened in the session: its creation or start, a card shown,
    a check-in opened or closed, someone joining, a note written."""
    times = [session.created_at, session.started_at, *storage.activity_times(db, session.id)]
    return max(t for t in times if t is not None)


def end_idle_sessions(db: Session, idle: timedelta, now: datetime | None = None) -> list[int]:
    """End every session in which nothing has happened for ``idle``, as ended when its
    last activity was (a forgotten session neither keeps its code working and its text
    unpurged, nor credits anyone with the hours it stood open). A session that never
    left the lobby is left open: it holds nothing anyone wrote, and it may have been
    opened ahead of time so that its code could be handed out. Returns their ids."""
    now = now or utcnow()
    ended = []
    for sid in storage.started_sessions_created_before(db, now - idle):
        # the row locked first, as every live command does
        session = storage.lock_session(db, sid)
        if session is None or session.phase == "ended":
            continue
        last = last_activity(db, session)
        if last < now - idle:
            end_session(db, session, at=last)
            ended.append(sid)
    return ended


def results_shown(db: Session, session: GroupSession, round_: CheckinRound) -> bool:
    """Whether a closed round's figures are shown (as ``checkins.result`` decides)."""
    return storage.checkin_answers_given(db, round_.id) >= session.min_group_size


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
