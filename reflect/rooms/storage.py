"""Every statement the live session runs, as named operations: the one seam between the
room's rules (``answers``, ``checkins``, ``lifecycle``, ``participants``, ``settle``,
``notes``, ``screens``, ``state``, ``commands``, ``scheduler``), the socket events'
checks of who asks, and the database.

The services decide; this module reads and writes. It takes a SQLAlchemy ``Session``
and plain values, and returns ORM objects, rows or plain values, never anything that
fills in later. It is the only module of the live session that knows which database it
runs on (SQLite, the embedded default, or PostgreSQL): where the two need different SQL
(an insert that does nothing when the row exists), the difference is here.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from reflect.auth import accounts
from reflect.models import (
    Answer, CheckinAnswer, CheckinMark, CheckinRound, GroupSession, Note, Participant, ProcessedCommand, Reaction,
    ResponseMark, RosterMember, ScheduledJob, ScreenPresence, SessionCard, SocketPresence, ThemeTag,
)

# The statements of the busiest paths (a phone's answer, the console's update) are built
# once, with bound parameters, not per call: building a statement costs SQLAlchemy more
# than running it does.

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_INSERTS_ONCE: dict[tuple[str, Table], object] = {}


def _insert_once(db: Session, table: Table, values: dict) -> bool:
    """Insert a row unless one with the same key (or unique columns) exists: one
    statement on both databases (``ON CONFLICT DO NOTHING``), which waits for a
    concurrent insert of the same key to commit or roll back. Whether it was written."""
    dialect = db.get_bind().dialect.name
    statement = _INSERTS_ONCE.get((dialect, table))
    if statement is None:
        statement = _INSERTS_ONCE[(dialect, table)] = _INSERT[dialect](table).on_conflict_do_nothing()
    return db.execute(statement, values).rowcount == 1


# --- a phone and its session ------------------------------------------------------------


def session_by_join_code(db: Session, join_code: str) -> GroupSession | None:
    """The session a join code names (ended or not)."""
    return db.scalar(select(GroupSession).where(GroupSession.join_code == join_code))


def roster_member(db: Session, roster_member_id: int) -> RosterMember | None:
    return db.get(RosterMember, roster_member_id)


def roster_name_holder(db: Session, session_id: int, roster_member_id: int) -> Participant | None:
    """The first participant of the session holding a roster name: not removed, not a
    claim waiting for the facilitator."""
    return db.scalar(select(Participant).where(
        Participant.session_id == session_id, Participant.roster_member_id == roster_member_id,
        Participant.status != "removed", Participant.claims_id.is_(None)).order_by(Participant.id).limit(1))


def add_participant(db: Session, participant: Participant) -> None:
    """Write a new participant now (its id is given to it)."""
    db.add(participant)
    db.flush()


def phone_by_token(db: Session, token_hash: str) -> Participant | None:
    return db.scalar(select(Participant).where(Participant.token_hash == token_hash))


_PHONE_AND_SESSION = (select(Participant, GroupSession).join(GroupSession, GroupSession.id == Participant.session_id)
                      .where(Participant.token_hash == bindparam("token_hash")))
_PHONE_AND_SESSION_LOCKED = {
    None: _PHONE_AND_SESSION,
    "share": _PHONE_AND_SESSION.with_for_update(of=GroupSession, read=True).execution_options(populate_existing=True),
    "update": _PHONE_AND_SESSION.with_for_update(of=GroupSession).execution_options(populate_existing=True),
}


def phone_and_session(db: Session, token_hash: str, *, lock: str | None = None
                      ) -> tuple[Participant, GroupSession] | tuple[None, None]:
    """The participant holding the token and their session, in one query. ``lock``
    (``"share"`` or ``"update"``): the session's row is locked until the transaction
    ends (PostgreSQL ``FOR SHARE OF`` / ``FOR UPDATE OF``; on SQLite the transaction's
    write lock does it) and both rows are read afresh."""
    row = db.execute(_PHONE_AND_SESSION_LOCKED[lock], {"token_hash": token_hash}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def add_socket(db: Session, sid: str, participant: Participant, server_id: str, now: datetime) -> None:
    """A phone's socket, connected to this server process (a socket id seen again is
    refreshed)."""
    db.merge(SocketPresence(sid=sid, participant_id=participant.id, session_id=participant.session_id,
                            server_id=server_id, seen_at=now))


def drop_socket(db: Session, sid: str) -> tuple[int, int] | None:
    """Forget one socket; its (session id, participant id), None if unknown."""
    row = db.execute(delete(SocketPresence).where(SocketPresence.sid == sid)
                     .returning(SocketPresence.session_id, SocketPresence.participant_id)).first()
    return (row[0], row[1]) if row is not None else None


def mark_gone_unless_connected(db: Session, participant_id: int, now: datetime) -> None:
    """A participant with no socket left is disconnected as of ``now``."""
    db.execute(update(Participant)
               .where(Participant.id == participant_id,
                      ~select(SocketPresence.sid).where(SocketPresence.participant_id == participant_id).exists())
               .values(disconnected_at=now))


def refresh_sockets(db: Session, server_id: str, now: datetime) -> None:
    db.execute(update(SocketPresence).where(SocketPresence.server_id == server_id).values(seen_at=now))


def drop_stale_sockets(db: Session, seen_before: datetime) -> list:
    """Delete the sockets not refreshed since ``seen_before``; rows of their
    ``participant_id, session_id``."""
    return db.execute(delete(SocketPresence).where(SocketPresence.seen_at < seen_before)
                      .returning(SocketPresence.participant_id, SocketPresence.session_id)).all()


def drop_server_sockets(db: Session, server_id: str) -> None:
    db.execute(delete(SocketPresence).where(SocketPresence.server_id == server_id))


PRESENCE_COLUMNS = (Participant.id, Participant.status, Participant.disconnected_at, Participant.display_name,
                    Participant.hand_raised_at, Participant.talk_after, Participant.roster_member_id,
                    Participant.locale, Participant.claims_id)


def presence_rows(db: Session, session_id: int) -> tuple[list, set[int]]:
    """Every participant of a session as rows of ``PRESENCE_COLUMNS``, in joining order,
    and the ids of those with a socket open."""
    rows = db.execute(select(*PRESENCE_COLUMNS).where(Participant.session_id == session_id)
                      .order_by(Participant.id)).all()
    online = set(db.scalars(select(SocketPresence.participant_id).where(SocketPresence.session_id == session_id)))
    return rows, online


def phone_socket_ids(db: Session, participant_id: int) -> list[str]:
    """The ids of a participant's sockets, in any process."""
    return list(db.scalars(select(SocketPresence.sid).where(SocketPresence.participant_id == participant_id)))


def waiting_phone_ids(db: Session, session_id: int) -> list[int]:
    """The participants of a session waiting to be let in."""
    return list(db.scalars(select(Participant.id).where(Participant.session_id == session_id,
                                                        Participant.status == "waiting")))


def sessions_disconnected_between(db: Session, after: datetime, upto: datetime) -> set[int]:
    """Sessions with a participant whose disconnection time is in ``(after, upto]``."""
    return set(db.scalars(select(Participant.session_id).where(
        Participant.disconnected_at <= upto, Participant.disconnected_at > after)))


# --- answers, passes and marks ----------------------------------------------------------


def add_mark_once(db: Session, session_id: int, prompt: str, participant_id: int, *, passed: bool,
                  command_id: str | None) -> bool:
    """The participant's "has responded" mark for ``prompt``, carrying the id of the
    command that writes it, unless they have one; whether it was written."""
    return _insert_once(db, ResponseMark.__table__, {
        "session_id": session_id, "prompt": prompt, "participant_id": participant_id, "passed": passed,
        "command_id": command_id})


_MARK_OF = (ResponseMark.session_id == bindparam("session_id"), ResponseMark.prompt == bindparam("prompt"),
            ResponseMark.participant_id == bindparam("participant_id"))
_MARK_COMMAND = select(ResponseMark.command_id).where(*_MARK_OF)


def mark_command_id(db: Session, session_id: int, prompt: str, participant_id: int) -> str | None:
    """The command id the participant's mark for ``prompt`` carries (None: no mark, or
    one already settled)."""
    return db.scalar(_MARK_COMMAND, {"session_id": session_id, "prompt": prompt, "participant_id": participant_id})


def delete_mark(db: Session, session_id: int, prompt: str, participant_id: int) -> None:
    db.execute(delete(ResponseMark).where(ResponseMark.session_id == session_id, ResponseMark.prompt == prompt,
                                          ResponseMark.participant_id == participant_id))


_RESPONSE_COUNTS = (select(ResponseMark.passed, func.count())
                    .where(ResponseMark.session_id == bindparam("session_id"), ResponseMark.prompt == bindparam("prompt"))
                    .group_by(ResponseMark.passed))


def response_counts(db: Session, session_id: int, prompt: str) -> dict:
    """How many marks for ``prompt`` are answers and how many passes."""
    rows = db.execute(_RESPONSE_COUNTS, {"session_id": session_id, "prompt": prompt}).all()
    counts = {bool(passed): n for passed, n in rows}
    return {"answered": counts.get(False, 0), "passed": counts.get(True, 0)}


_ANSWER_COLUMNS = tuple(column.key for column in Answer.__table__.c)


def add_answer(db: Session, answer: Answer) -> None:
    """Write a new answer (the columns ``answer`` sets; the others take their defaults),
    as one INSERT: nothing in the unit of work reads it back."""
    values = {key: value for key in _ANSWER_COLUMNS if (value := getattr(answer, key)) is not None}
    db.execute(insert(Answer.__table__), values)


def answer_by_id(db: Session, answer_id: str) -> Answer | None:
    return db.get(Answer, answer_id)


def delete_answer(db: Session, answer: Answer) -> None:
    db.delete(answer)


def _of_prompt(query, session_card_id: int | None):
    """``query`` narrowed to one card's answers (None: the takeaways)."""
    if session_card_id is None:
        return query.where(Answer.kind == "takeaway")
    return query.where(Answer.session_card_id == session_card_id)


def _per_prompt(query) -> dict[bool, object]:
    """``query`` built once for each kind of prompt, keyed by "the takeaways?": a card's
    answers (its id bound as ``card``) and the takeaways; run with :func:`_prompt_params`."""
    return {False: query.where(Answer.session_card_id == bindparam("card")),
            True: query.where(Answer.kind == "takeaway")}


def _prompt_params(session_id: int, session_card_id: int | None) -> dict:
    return {"session_id": session_id, "card": session_card_id}


def unrevealed_shared(db: Session, session_id: int, session_card_id: int | None) -> list[Answer]:
    """A card's answers (None: the takeaways) shared with the group, not hidden, not yet
    revealed."""
    return list(db.scalars(_of_prompt(select(Answer).where(
        Answer.session_id == session_id, Answer.audience == "group", Answer.hidden.is_(False),
        Answer.revealed.is_(False)), session_card_id)))


def last_reveal_rank(db: Session, session_id: int) -> int:
    """The highest reveal rank given in the session (0: none yet)."""
    return db.scalar(select(func.max(Answer.reveal_rank)).where(Answer.session_id == session_id)) or 0


def any_revealed(db: Session, session_id: int, session_card_id: int | None) -> bool:
    query = select(Answer.id).where(Answer.session_id == session_id, Answer.revealed.is_(True))
    return db.scalar(_of_prompt(query, session_card_id).limit(1)) is not None


_REVEALED = _per_prompt(select(Answer.id, Answer.text, Answer.author_name, Answer.resonates)
                        .where(Answer.session_id == bindparam("session_id"), Answer.revealed.is_(True),
                               Answer.hidden.is_(False))
                        .order_by(Answer.reveal_rank))


def revealed_answers(db: Session, session_id: int, session_card_id: int | None) -> list:
    """A card's revealed, not hidden answers (None: the takeaways), in reveal order, as
    rows of ``id, text, author_name, resonates``."""
    return db.execute(_REVEALED[session_card_id is None], _prompt_params(session_id, session_card_id)).all()


_SHARED_COUNTS = _per_prompt(select(func.count()).select_from(Answer)
                             .where(Answer.session_id == bindparam("session_id"), Answer.audience == "group"))


def shared_count(db: Session, session_id: int, session_card_id: int | None) -> int:
    """How many answers to a card (None: takeaways) were shared with the group."""
    return db.scalar(_SHARED_COUNTS[session_card_id is None], _prompt_params(session_id, session_card_id)) or 0


_FOR_FACILITATOR = (Answer.id, Answer.text, Answer.audience, Answer.author_name, Answer.hidden, Answer.revealed,
                    Answer.resonates, Answer.flagged, Answer.approved)


_ANSWERS_FOR_FACILITATOR = _per_prompt(select(*_FOR_FACILITATOR).where(Answer.session_id == bindparam("session_id"))
                                       .order_by(Answer.id))


def answers_for_facilitator(db: Session, session_id: int, session_card_id: int | None) -> list:
    """A card's answers (None: the takeaways) as rows of what the console shows of them,
    ordered by their random key."""
    return db.execute(_ANSWERS_FOR_FACILITATOR[session_card_id is None],
                      _prompt_params(session_id, session_card_id)).all()


def add_reaction_once(db: Session, key: str, answer_id: str) -> bool:
    """A reaction under its key unless one is there; whether it was written."""
    return _insert_once(db, Reaction.__table__, {"key": key, "answer_id": answer_id})


def count_resonance(db: Session, answer_id: str) -> None:
    """One more person for whom the answer resonates."""
    db.execute(update(Answer).where(Answer.id == answer_id).values(resonates=Answer.resonates + 1))


def reactions_among(db: Session, keys: list[str]) -> list[str]:
    """Which of these reaction keys are stored."""
    return list(db.scalars(select(Reaction.key).where(Reaction.key.in_(keys))))


# --- command records ----------------------------------------------------------------------


def recorded_response(db: Session, actor: str, command_id: str) -> dict | None:
    """The acknowledgement stored for a command applied before, if any."""
    response = db.scalar(select(ProcessedCommand.response).where(
        ProcessedCommand.actor == actor, ProcessedCommand.command_id == command_id))
    return dict(response) if response is not None else None


def record_command(db: Session, actor: str, command_id: str, session_id: int, response: dict) -> None:
    """Record a command as applied, with its acknowledgement: one INSERT, now. A record
    already there (the command applied before, or a concurrent retry) raises
    ``IntegrityError``."""
    db.execute(insert(ProcessedCommand).values(actor=actor, command_id=command_id, session_id=session_id,
                                               response=response))


# --- the session's row and its cards ----------------------------------------------------


def join_code_in_use(db: Session, code: str) -> bool:
    return db.scalar(select(GroupSession.id).where(GroupSession.join_code == code)) is not None


def add_session(db: Session, session: GroupSession, cards: list[SessionCard]) -> None:
    """Write a new session and its cards (each card's ``session_id`` set here)."""
    db.add(session)
    db.flush()
    for card in cards:
        card.session_id = session.id
    db.add_all(cards)
    db.flush()


def session_by_id(db: Session, session_id: int) -> GroupSession | None:
    """The session: the object this unit of work holds already (no query), else read."""
    return db.get(GroupSession, session_id)


def session_version(db: Session, session_id: int) -> int | None:
    return db.scalar(select(GroupSession.version).where(GroupSession.id == session_id))


def lock_session(db: Session, session_id: int) -> GroupSession | None:
    """The session read afresh, its row locked until the commit (``FOR UPDATE`` on
    PostgreSQL; SQLite's writer holds the whole database)."""
    return db.scalar(select(GroupSession).where(GroupSession.id == session_id).with_for_update()
                     .execution_options(populate_existing=True))


def session_cards(db: Session, session_id: int) -> list[SessionCard]:
    """The session's cards, by position."""
    return list(db.scalars(select(SessionCard).where(SessionCard.session_id == session_id)
                           .order_by(SessionCard.position)))


def shown_card_ids(db: Session, session_id: int) -> set[int]:
    """The ids of the session's cards shown so far."""
    return set(db.scalars(select(SessionCard.id).where(SessionCard.session_id == session_id,
                                                       SessionCard.shown_at.is_not(None))))


def mark_card_shown(db: Session, card_id: int, at: datetime) -> None:
    """The card shown at ``at``, unless it was shown before (the first time is kept)."""
    db.execute(update(SessionCard).where(SessionCard.id == card_id, SessionCard.shown_at.is_(None))
               .values(shown_at=at).execution_options(synchronize_session=False))


def participant_in_session(db: Session, session_id: int, participant_id: int) -> Participant | None:
    """The participant ``participant_id`` if they belong to the session, else None."""
    participant = db.get(Participant, participant_id)
    return participant if participant is not None and participant.session_id == session_id else None


def hand_over_sockets(db: Session, from_id: int, to_id: int) -> None:
    """The connected sockets of participant ``from_id`` counted as ``to_id``'s from now
    on; ``to_id``'s own are forgotten. Changes made to the participants before are
    written first."""
    db.flush()
    db.execute(delete(SocketPresence).where(SocketPresence.participant_id == to_id))
    db.execute(update(SocketPresence).where(SocketPresence.participant_id == from_id).values(participant_id=to_id))


def delete_participant(db: Session, participant: Participant) -> None:
    """Delete ``participant``, after the changes made to the others are written."""
    db.flush()
    db.delete(participant)


def delete_links_to_people(db: Session, session_id: int) -> None:
    """Delete what ties the session's participants to what they did in it: the check-in
    marks, the response marks, the commands' records, the reactions, the salt that keyed
    them, and the time each hand went up."""
    options = {"synchronize_session": False}
    rounds = select(CheckinRound.id).where(CheckinRound.session_id == session_id)
    answers = select(Answer.id).where(Answer.session_id == session_id)
    db.execute(delete(CheckinMark).where(CheckinMark.round_id.in_(rounds)).execution_options(**options))
    db.execute(delete(ResponseMark).where(ResponseMark.session_id == session_id).execution_options(**options))
    db.execute(delete(ProcessedCommand).where(ProcessedCommand.session_id == session_id).execution_options(**options))
    db.execute(delete(Reaction).where(Reaction.answer_id.in_(answers)).execution_options(**options))
    db.execute(update(GroupSession).where(GroupSession.id == session_id).values(anon_salt=None)
               .execution_options(**options))
    db.execute(update(Participant).where(Participant.session_id == session_id).values(hand_raised_at=None)
               .execution_options(**options))


def started_sessions_created_before(db: Session, before: datetime) -> list[int]:
    """The ids of the sessions begun and not ended that were created before ``before``."""
    return list(db.scalars(select(GroupSession.id).where(
        GroupSession.phase != "ended", GroupSession.started_at.is_not(None), GroupSession.created_at < before,
    ).order_by(GroupSession.id)))


def activity_times(db: Session, session_id: int) -> list[datetime | None]:
    """When the session's last card was shown, its last check-in round opened and
    closed, its last participant joined and its last note was written (None: never)."""
    return list(db.execute(select(
        select(func.max(SessionCard.shown_at)).where(SessionCard.session_id == session_id).scalar_subquery(),
        select(func.max(CheckinRound.opened_at)).where(CheckinRound.session_id == session_id).scalar_subquery(),
        select(func.max(CheckinRound.closed_at)).where(CheckinRound.session_id == session_id).scalar_subquery(),
        select(func.max(Participant.joined_at)).where(Participant.session_id == session_id).scalar_subquery(),
        select(func.max(Note.updated_at)).where(Note.session_id == session_id).scalar_subquery(),
    )).one())


# --- check-in rounds ----------------------------------------------------------------------


def round_of(db: Session, session_id: int, kind: str) -> CheckinRound | None:
    return db.scalar(select(CheckinRound).where(CheckinRound.session_id == session_id, CheckinRound.kind == kind))


def rounds_of(db: Session, session_id: int) -> list[CheckinRound]:
    return list(db.scalars(select(CheckinRound).where(CheckinRound.session_id == session_id)))


def add_round(db: Session, round_: CheckinRound) -> None:
    db.add(round_)
    db.flush()


def checkin_mark(db: Session, round_id: int, participant_id: int) -> CheckinMark | None:
    """The participant's "has answered" mark in the round, if there is one."""
    return db.get(CheckinMark, (round_id, participant_id))


def checkin_marks_count(db: Session, round_id: int) -> int:
    return db.scalar(select(func.count()).select_from(CheckinMark).where(CheckinMark.round_id == round_id)) or 0


def add_checkin_once(db: Session, mark: dict, answer: dict) -> bool:
    """The mark (``CheckinMark``'s columns) and the anonymous answer (``CheckinAnswer``'s),
    unless the participant has a mark in the round already (then nothing is written, and
    no error raised); whether they were written."""
    if not _insert_once(db, CheckinMark.__table__, mark):
        return False
    db.execute(insert(CheckinAnswer.__table__).values(**answer))
    return True


def checkin_answers_given(db: Session, round_id: int) -> int:
    """How many answered the round (passes not counted)."""
    return db.scalar(select(func.count()).select_from(CheckinAnswer)
                     .where(CheckinAnswer.round_id == round_id, CheckinAnswer.passed.is_(False))) or 0


def checkin_counts(db: Session, round_id: int) -> tuple[int, int]:
    """How many answered the round and how many passed, from the anonymous answers."""
    found = {bool(passed): n for passed, n in db.execute(
        select(CheckinAnswer.passed, func.count()).where(CheckinAnswer.round_id == round_id)
        .group_by(CheckinAnswer.passed))}
    return found.get(False, 0), found.get(True, 0)


def checkin_scores_and_feelings(db: Session, round_id: int) -> list[tuple[dict, str | None]]:
    """The scores and feeling of each answer in the round (passes left out)."""
    return [tuple(row) for row in db.execute(select(CheckinAnswer.scores, CheckinAnswer.feeling).where(
        CheckinAnswer.round_id == round_id, CheckinAnswer.passed.is_(False)))]


def checkin_free_words(db: Session, round_id: int) -> list[str | None]:
    """The word of their own of each answer in the round (None where none; passes left out)."""
    return list(db.scalars(select(CheckinAnswer.free_word).where(
        CheckinAnswer.round_id == round_id, CheckinAnswer.passed.is_(False))))


# --- settling ---------------------------------------------------------------------------


_ANSWERS, _CHECKINS, _REACTIONS = Answer.__table__, CheckinAnswer.__table__, Reaction.__table__
_MARKS, _CHECKIN_MARKS = ResponseMark.__table__, CheckinMark.__table__
_shuffle = secrets.SystemRandom().shuffle


def _write_again(db: Session, table: Table, where, *, new_key: bool = False) -> None:
    """Read the rows of ``table`` matching ``where``, delete them and insert them again in
    a random order (``new_key``: each with a new random primary key)."""
    rows = [dict(row) for row in db.execute(select(*table.c).where(where)).mappings()]
    if not rows:
        return
    db.execute(delete(table).where(where))
    _shuffle(rows)
    if new_key:
        for row in rows:
            row["id"] = secrets.token_hex(16)
    db.execute(insert(table), rows)


def _answers_again(db: Session, where) -> None:
    """Answers (and the reactions to them, which would go with them) written again."""
    ids = select(_ANSWERS.c.id).where(where)
    reactions = [dict(row) for row in db.execute(select(*_REACTIONS.c).where(_REACTIONS.c.answer_id.in_(ids)))
                 .mappings()]
    if reactions:
        db.execute(delete(_REACTIONS).where(_REACTIONS.c.answer_id.in_(ids)))
    _write_again(db, _ANSWERS, where)
    if reactions:
        _shuffle(reactions)
        db.execute(insert(_REACTIONS), reactions)


def write_again_checkins(db: Session, round_id: int) -> None:
    """A check-in round's answers written again in a random order, with new keys."""
    _write_again(db, _CHECKINS, _CHECKINS.c.round_id == round_id, new_key=True)


def clear_checkin_mark_commands(db: Session, round_id: int) -> None:
    """The command ids on a check-in round's marks cleared (the round settled)."""
    db.execute(update(_CHECKIN_MARKS).where(_CHECKIN_MARKS.c.round_id == round_id,
                                            _CHECKIN_MARKS.c.command_id.is_not(None)).values(command_id=None))


def write_again_answers(db: Session, session_id: int, *, card_id: int | None = None,
                        takeaways: bool = False) -> None:
    """The session's answers written again in a random order, with their reactions: to
    the card ``card_id``, or the takeaways (``takeaways``), or else all of them."""
    where = _ANSWERS.c.session_id == session_id
    if card_id is not None:
        where &= _ANSWERS.c.session_card_id == card_id
    elif takeaways:
        where &= _ANSWERS.c.kind == "takeaway"
    _answers_again(db, where)


def clear_response_mark_commands(db: Session, session_id: int, prompt: str) -> None:
    """The command ids on the session's response marks for ``prompt`` cleared (settled)."""
    db.execute(update(_MARKS).where(_MARKS.c.session_id == session_id, _MARKS.c.prompt == prompt,
                                    _MARKS.c.command_id.is_not(None)).values(command_id=None))


def prompts_not_settled(db: Session, session_id: int) -> set[str]:
    """The session's prompts ("card:<id>", "takeaway") with a response mark that still
    carries its command id: rows written since the prompt was last settled."""
    return set(db.scalars(select(_MARKS.c.prompt).distinct().where(
        _MARKS.c.session_id == session_id, _MARKS.c.command_id.is_not(None))))


def closed_rounds_not_settled(db: Session, session_id: int) -> list[int]:
    """The ids of the session's closed check-in rounds with a mark that still carries its
    command id."""
    return list(db.scalars(select(CheckinRound.id).where(
        CheckinRound.session_id == session_id, CheckinRound.status == "closed",
        CheckinRound.id.in_(select(_CHECKIN_MARKS.c.round_id).where(_CHECKIN_MARKS.c.command_id.is_not(None))))))


def round_ids(db: Session, session_id: int) -> list[int]:
    return list(db.scalars(select(CheckinRound.id).where(CheckinRound.session_id == session_id)))


# --- notes and tags -------------------------------------------------------------------------


def shared_tag_slugs(db: Session) -> set[str]:
    """The slugs of the shared vocabulary's tags (those of no one)."""
    return set(db.scalars(select(ThemeTag.slug).where(ThemeTag.owner_id.is_(None))))


def add_tags(db: Session, tags: list[ThemeTag]) -> None:
    db.add_all(tags)
    db.flush()


def visible_tags(db: Session, user_id: int) -> list[ThemeTag]:
    """The shared vocabulary's tags, then the user's own, not retired, each by slug."""
    return list(db.scalars(
        select(ThemeTag)
        .where(ThemeTag.retired.is_(False), (ThemeTag.owner_id.is_(None)) | (ThemeTag.owner_id == user_id))
        .order_by(ThemeTag.owner_id.is_not(None), ThemeTag.slug)
    ))


def own_tag(db: Session, user_id: int, slug: str) -> ThemeTag | None:
    return db.scalar(select(ThemeTag).where(ThemeTag.owner_id == user_id, ThemeTag.slug == slug))


def tag_by_id(db: Session, tag_id: int) -> ThemeTag | None:
    return db.get(ThemeTag, tag_id)


def note_of(db: Session, author_id: int, client_id: str) -> Note | None:
    """The author's note by the id their console gave it."""
    return db.scalar(select(Note).where(Note.author_id == author_id, Note.client_id == client_id))


def write_note(db: Session, note: Note) -> None:
    """A new or changed note written."""
    db.add(note)
    db.flush()


def delete_note(db: Session, note: Note) -> None:
    db.delete(note)


def notes_of(db: Session, session_id: int, author_id: int) -> list[Note]:
    """The author's notes in the session, oldest first, with their tags."""
    return list(db.scalars(select(Note).options(selectinload(Note.tags)).where(
        Note.session_id == session_id, Note.author_id == author_id).order_by(Note.created_at, Note.id)))


# --- screens and presence ---------------------------------------------------------------


def add_screen(db: Session, screen: ScreenPresence) -> None:
    db.add(screen)


def delete_screen(db: Session, sid: str) -> None:
    db.execute(delete(ScreenPresence).where(ScreenPresence.sid == sid))


def screens_listening(db: Session, session_id: int) -> frozenset[tuple[str, str]]:
    """The (audience, language) pairs of the session's connected screens."""
    return frozenset(tuple(row) for row in db.execute(
        select(ScreenPresence.audience, ScreenPresence.lang).distinct().where(ScreenPresence.session_id == session_id)))


def touch_screens(db: Session, server_id: str, at: datetime) -> None:
    """The screens of the process ``server_id`` seen at ``at``."""
    db.execute(update(ScreenPresence).where(ScreenPresence.server_id == server_id).values(seen_at=at))


def delete_screens_seen_before(db: Session, before: datetime) -> int:
    """Delete the screens last seen before ``before``; how many."""
    return db.execute(delete(ScreenPresence).where(ScreenPresence.seen_at < before)).rowcount


# --- what a state reads -------------------------------------------------------------------


def revealed_answer_ids(db: Session, session_id: int) -> list[str]:
    """The ids of the session's answers revealed to the group and not hidden."""
    return list(db.scalars(select(Answer.id).where(
        Answer.session_id == session_id, Answer.revealed.is_(True), Answer.hidden.is_(False))))


def response_marks_of(db: Session, session_id: int, participant_id: int) -> list[tuple[str, bool]]:
    """The participant's response marks in the session: (prompt, passed) each."""
    return [tuple(row) for row in db.execute(select(ResponseMark.prompt, ResponseMark.passed).where(
        ResponseMark.session_id == session_id, ResponseMark.participant_id == participant_id))]


def named_answers_of(db: Session, session_id: int, participant_id: int) -> list[Answer]:
    """The answers the participant gave with their name in the session."""
    return list(db.scalars(select(Answer).where(
        Answer.session_id == session_id, Answer.author_participant_id == participant_id)))


def checked_in_kinds(db: Session, session_id: int, participant_id: int) -> set[str]:
    """The kinds of the session's check-in rounds the participant has a mark in."""
    return set(db.scalars(select(CheckinRound.kind).join(CheckinMark, CheckinMark.round_id == CheckinRound.id).where(
        CheckinRound.session_id == session_id, CheckinMark.participant_id == participant_id)))


# --- the scheduler's turns --------------------------------------------------------------


def job_times(db: Session, name: str) -> tuple[datetime, datetime] | None:
    """When the job ``name`` last ran and is next due, or None if it never ran."""
    row = db.execute(select(ScheduledJob.last_run_at, ScheduledJob.next_run_at)
                     .where(ScheduledJob.name == name)).first()
    return (row.last_run_at, row.next_run_at) if row is not None else None


def add_job_once(db: Session, name: str, ran_at: datetime, next_at: datetime) -> bool:
    """The job's first row, unless another process wrote it first; whether this one did."""
    return _insert_once(db, ScheduledJob.__table__, {"name": name, "last_run_at": ran_at, "next_run_at": next_at})


def move_job_on(db: Session, name: str, seen_next: datetime, ran_at: datetime, next_at: datetime) -> bool:
    """The job's row moved on to its next due time, if it still says ``seen_next`` (no
    other process moved it meanwhile); whether it did."""
    return db.execute(update(ScheduledJob).where(ScheduledJob.name == name, ScheduledJob.next_run_at == seen_next)
                      .values(last_run_at=ran_at, next_run_at=next_at)
                      .execution_options(synchronize_session=False)).rowcount == 1


# --- who asks, for the socket events ----------------------------------------------------


# The session and who asks for it, checked in one query (every facilitator event): the
# login session open, its account active, and the session facilitated by that account;
# for a command, the session's row locked until commit (PostgreSQL) and read afresh.
_FACILITATED = accounts.owned_by_signed_in(select(GroupSession).where(GroupSession.id == bindparam("session_id")),
                                           GroupSession.facilitator_id)
_FACILITATED_LOCKED = (_FACILITATED.with_for_update(of=GroupSession.__table__)
                       .execution_options(populate_existing=True))


def facilitated_session(db: Session, login_hash: str | None, session_id: int, *, lock: bool = False
                        ) -> tuple[GroupSession, accounts.SignedIn] | None:
    """The session and the person signed in with ``login_hash``, if that login session is
    open, its account active and the session theirs; ``lock``: its row locked until
    commit and read afresh (a command)."""
    return accounts.owned_row(db, login_hash, _FACILITATED_LOCKED if lock else _FACILITATED, session_id=session_id)

