"""Every statement the live session runs, as named operations: the one seam between the
room's rules (``answers``, ``checkins``, ``lifecycle``, ``participants``, ``settle``,
``notes``, ``screens``, ``state``, ``commands``) and the database.

The services decide; this module reads and writes. It takes a SQLAlchemy ``Session``
and plain values, and returns ORM objects, rows or plain values, never anything that
fills in later. It is the only module of the live session that knows which database it
runs on (SQLite, the embedded default, or PostgreSQL): where the two need different SQL
(an insert that does nothing when the row exists), the difference is here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reflect.models import (
    Answer, GroupSession, Participant, ProcessedCommand, Reaction, ResponseMark, RosterMember, SocketPresence,
)

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _insert_once(db: Session, table: Table, values: dict) -> bool:
    """Insert a row unless one with the same key (or unique columns) exists: one
    statement on both databases (``ON CONFLICT DO NOTHING``), which waits for a
    concurrent insert of the same key to commit or roll back. Whether it was written."""
    statement = _INSERT[db.get_bind().dialect.name](table).values(**values).on_conflict_do_nothing()
    return db.execute(statement).rowcount == 1


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


_LOCKS = {"share": {"read": True}, "update": {}}


def phone_and_session(db: Session, token_hash: str, *, lock: str | None = None
                      ) -> tuple[Participant, GroupSession] | tuple[None, None]:
    """The participant holding the token and their session, in one query. ``lock``
    (``"share"`` or ``"update"``): the session's row is locked until the transaction
    ends (PostgreSQL ``FOR SHARE OF`` / ``FOR UPDATE OF``; on SQLite the transaction's
    write lock does it) and both rows are read afresh."""
    query = (select(Participant, GroupSession).join(GroupSession, GroupSession.id == Participant.session_id)
             .where(Participant.token_hash == token_hash))
    if lock is not None:
        query = (query.with_for_update(of=GroupSession, **_LOCKS[lock])
                 .execution_options(populate_existing=True))
    row = db.execute(query).first()
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


def mark_command_id(db: Session, session_id: int, prompt: str, participant_id: int) -> str | None:
    """The command id the participant's mark for ``prompt`` carries (None: no mark, or
    one already settled)."""
    return db.scalar(select(ResponseMark.command_id).where(
        ResponseMark.session_id == session_id, ResponseMark.prompt == prompt,
        ResponseMark.participant_id == participant_id))


def delete_mark(db: Session, session_id: int, prompt: str, participant_id: int) -> None:
    db.execute(delete(ResponseMark).where(ResponseMark.session_id == session_id, ResponseMark.prompt == prompt,
                                          ResponseMark.participant_id == participant_id))


def response_counts(db: Session, session_id: int, prompt: str) -> dict:
    """How many marks for ``prompt`` are answers and how many passes."""
    rows = db.execute(select(ResponseMark.passed, func.count())
                      .where(ResponseMark.session_id == session_id, ResponseMark.prompt == prompt)
                      .group_by(ResponseMark.passed)).all()
    counts = {bool(passed): n for passed, n in rows}
    return {"answered": counts.get(False, 0), "passed": counts.get(True, 0)}


def add_answer(db: Session, answer: Answer) -> None:
    """A new answer, written with the unit of work."""
    db.add(answer)


def answer_by_id(db: Session, answer_id: str) -> Answer | None:
    return db.get(Answer, answer_id)


def delete_answer(db: Session, answer: Answer) -> None:
    db.delete(answer)


def _of_prompt(query, session_card_id: int | None):
    """``query`` narrowed to one card's answers (None: the takeaways)."""
    if session_card_id is None:
        return query.where(Answer.kind == "takeaway")
    return query.where(Answer.session_card_id == session_card_id)


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


_SHARED = (select(Answer.id, Answer.text, Answer.author_name, Answer.resonates)
           .where(Answer.session_id == bindparam("in_session"), Answer.revealed.is_(True), Answer.hidden.is_(False))
           .order_by(Answer.reveal_rank))
# a card's revealed answers as ``revealed_answers`` reads them, with the parameters
# ``in_session`` and ``card``: for a statement that reads them with a card move
CARD_REVEALED = _SHARED.where(Answer.session_card_id == bindparam("card"))


def revealed_answers(db: Session, session_id: int, session_card_id: int | None) -> list:
    """A card's revealed, not hidden answers (None: the takeaways), in reveal order, as
    rows of ``id, text, author_name, resonates``."""
    if session_card_id is None:
        return db.execute(_SHARED.where(Answer.kind == "takeaway"), {"in_session": session_id}).all()
    return db.execute(CARD_REVEALED, {"in_session": session_id, "card": session_card_id}).all()


def revealed_ids(db: Session, session_id: int) -> list[str]:
    """The ids of the session's revealed, not hidden answers and takeaways."""
    return list(db.scalars(select(Answer.id).where(
        Answer.session_id == session_id, Answer.revealed.is_(True), Answer.hidden.is_(False))))


def shared_count(db: Session, session_id: int, session_card_id: int | None) -> int:
    """How many answers to a card (None: takeaways) were shared with the group."""
    query = select(func.count()).select_from(Answer).where(Answer.session_id == session_id, Answer.audience == "group")
    return db.scalar(_of_prompt(query, session_card_id)) or 0


_FOR_FACILITATOR = (Answer.id, Answer.text, Answer.audience, Answer.author_name, Answer.hidden, Answer.revealed,
                    Answer.resonates, Answer.flagged, Answer.approved)


def answers_for_facilitator(db: Session, session_id: int, session_card_id: int | None) -> list:
    """A card's answers (None: the takeaways) as rows of what the console shows of them,
    ordered by their random key."""
    query = select(*_FOR_FACILITATOR).where(Answer.session_id == session_id)
    return db.execute(_of_prompt(query, session_card_id).order_by(Answer.id)).all()


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


# (section owned by the session's life work)


# --- check-in rounds ----------------------------------------------------------------------


# (section owned by the session's life work)


# --- settling ---------------------------------------------------------------------------


# (section owned by the session's life work)


# --- notes and tags -------------------------------------------------------------------------


# (section owned by the session's life work)


# --- screens and presence ---------------------------------------------------------------


# (section owned by the session's life work)


# --- what a state reads -------------------------------------------------------------------


# (section owned by the session's life work)


# --- the scheduler's turns --------------------------------------------------------------


# (section owned by the session's life work)
