"""Answers to cards, closing takeaways and "this resonates with me".

An anonymous answer holds no reference to its author; "has responded" is a separate
``ResponseMark``. Shared answers reach the group only when the facilitator reveals
them, in a random order; a reaction is keyed by a hash under the session's salt.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, exists, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reflect.compiled_statements import CompiledStatement
from reflect.models import Answer, GroupSession, Participant, Reaction, ResponseMark
from reflect.rooms.errors import RoomError
from reflect.rooms.guard import check_shareable
from reflect.rooms.lifecycle import bump, card_ids, current_card_id
from reflect.rooms.participants import require_admitted

TEXT_MAX = 600
AUDIENCES = ("group", "facilitator")
TAKEAWAY = "takeaway"


@dataclass(frozen=True)
class Stored:
    """An answer just written: its id, its card, and its author when given with a name."""

    id: str
    session_card_id: int
    author_participant_id: int | None


def card_prompt(session_card_id: int) -> str:
    return f"card:{session_card_id}"


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise RoomError("text_empty")
    if len(text) > TEXT_MAX:
        raise RoomError("text_too_long", limit=TEXT_MAX)
    return text


# Statements every phone's answer runs, built once (building one per call, and keying it
# for SQLAlchemy's cache, costs more than running it). Core statements on the tables:
# nothing here is read back as an ORM object in the same unit of work. The mark is
# written only if there is none (one statement, both databases: ON CONFLICT DO NOTHING).
_MARKS, _ANSWERS = ResponseMark.__table__, Answer.__table__
_ADD_MARK_ONCE = {
    "postgresql": postgresql.insert(_MARKS).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_MARKS).on_conflict_do_nothing(),
}
_ADD_ANSWER = insert(_ANSWERS)
_ANSWER_COLUMNS = ("id", "session_id", "session_card_id", "kind", "audience", "author_participant_id",
                   "author_name", "text", "flagged")


def _add_mark_and_answer_postgresql():
    """On PostgreSQL, the mark and the answer in one statement (one round trip, not two):
    the answer is inserted only if the mark was (a data-modifying WITH); no row
    inserted means this participant had already responded."""
    mark = (postgresql.insert(_MARKS)
            .values(session_id=bindparam("session_id"), prompt=bindparam("prompt"),
                    participant_id=bindparam("participant_id"), passed=False,
                    command_id=bindparam("command_id", type_=_MARKS.c.command_id.type))
            .on_conflict_do_nothing()
            .returning(_MARKS.c.participant_id)
            .cte("mark"))
    # the columns an answer starts with at their model defaults (not hidden, not revealed, …)
    defaults = {c.name: c.default.arg for c in _ANSWERS.c
                if c.name not in _ANSWER_COLUMNS and c.default is not None and c.default.is_scalar}
    values = select(*(bindparam(name, type_=_ANSWERS.c[name].type) for name in _ANSWER_COLUMNS),
                    *(literal(value, type_=_ANSWERS.c[name].type) for name, value in defaults.items()))
    return (insert(_ANSWERS)
            .from_select([*_ANSWER_COLUMNS, *defaults], values.where(exists(select(mark.c.participant_id))))
            .add_cte(mark))


# compiled once and run past SQLAlchemy's per-statement set-up (``reflect.compiled_statements``)
_ADD_MARK_AND_ANSWER_POSTGRESQL = CompiledStatement(_add_mark_and_answer_postgresql())


def _mark(db: Session, session: GroupSession, prompt: str, participant: Participant, passed: bool,
          command_id: str | None) -> None:
    statement = _ADD_MARK_ONCE[db.get_bind().dialect.name]
    written = db.execute(statement, {"session_id": session.id, "prompt": prompt, "participant_id": participant.id,
                                     "passed": passed, "command_id": command_id}).rowcount
    if written != 1:
        raise RoomError("already_responded")


def _mark_and_add(db: Session, session: GroupSession, prompt: str, participant: Participant, answer: dict,
                  command_id: str | None) -> None:
    """The participant's mark for ``prompt`` (with the id of the command that writes it)
    and their answer (``answer``: its columns but the session's), or
    ``already_responded`` and neither."""
    values = {"session_id": session.id, **answer}
    if db.get_bind().dialect.name == "postgresql":
        written = _ADD_MARK_AND_ANSWER_POSTGRESQL.write(db, {**values, "prompt": prompt, "command_id": command_id,
                                                             "participant_id": participant.id})
        if written != 1:
            raise RoomError("already_responded")
        return
    _mark(db, session, prompt, participant, passed=False, command_id=command_id)
    db.execute(_ADD_ANSWER, values)


_MARK_COMMAND = select(_MARKS.c.command_id).where(
    _MARKS.c.session_id == bindparam("session_id"), _MARKS.c.prompt == bindparam("prompt"),
    _MARKS.c.participant_id == bindparam("participant_id"))


def retried(db: Session, session: GroupSession, participant: Participant, prompt: str, command_id: str) -> bool:
    """Whether the phone's mark for ``prompt`` was written by the command ``command_id``
    (so a command that now fails is that command's retry). Marks keep the id only
    until their card or the takeaways are settled (``rooms.settle``)."""
    found = db.execute(_MARK_COMMAND, {"session_id": session.id, "prompt": prompt,
                                       "participant_id": participant.id}).scalar()
    return found is not None and found == command_id


def _require_current(db: Session, session: GroupSession, session_card_id: int) -> None:
    """Refuse unless ``session_card_id`` is the card on screen (checked without reading
    it); a card of another session is ``not_found``."""
    if session_card_id not in card_ids(db, session):
        raise RoomError("not_found")
    if session.phase != "reflect":
        raise RoomError("not_in_phase", phase="reflect")
    if current_card_id(db, session) != session_card_id:
        raise RoomError("card_not_current")


def answer_card(
    db: Session,
    session: GroupSession,
    participant: Participant,
    session_card_id: int,
    text: str,
    *,
    audience: str,
    named: bool,
    share_anyway: bool = False,
    command_id: str | None = None,
) -> Stored:
    require_admitted(session, participant)
    _require_current(db, session, session_card_id)
    text = _clean_text(text)
    if audience not in AUDIENCES:
        raise RoomError("audience_invalid")
    if named and (not session.allow_names or not participant.display_name):
        raise RoomError("names_not_allowed" if not session.allow_names else "no_name")
    flagged = check_shareable(text, share_anyway) if audience == "group" else None
    answer = Stored(id=secrets.token_hex(16), session_card_id=session_card_id,
                    author_participant_id=participant.id if named else None)
    _mark_and_add(db, session, card_prompt(session_card_id), participant, {
        "id": answer.id,
        "session_card_id": answer.session_card_id,
        "kind": "card",
        "audience": audience,
        "author_participant_id": answer.author_participant_id,
        "author_name": participant.display_name if named else None,
        "text": text,
        "flagged": flagged,
    }, command_id)
    return answer


def pass_card(db: Session, session: GroupSession, participant: Participant, session_card_id: int, *,
              command_id: str | None = None) -> None:
    require_admitted(session, participant)
    _require_current(db, session, session_card_id)
    _mark(db, session, card_prompt(session_card_id), participant, passed=True, command_id=command_id)


def response_of(db: Session, session: GroupSession, prompt: str, participant: Participant) -> str | None:
    mark = db.get(ResponseMark, (session.id, prompt, participant.id))
    if mark is None:
        return None
    return "passed" if mark.passed else "answered"


_COUNTS = (select(_MARKS.c.passed, func.count())
           .where(_MARKS.c.session_id == bindparam("session_id"), _MARKS.c.prompt == bindparam("prompt"))
           .group_by(_MARKS.c.passed))


_SHARED_COUNT = (select(func.count()).select_from(_ANSWERS)
                 .where(_ANSWERS.c.session_id == bindparam("session_id"), _ANSWERS.c.audience == "group"))


def shared_count(db: Session, session: GroupSession, session_card_id: int | None) -> int:
    """How many answers to a card (None: takeaways) were shared with the group: what the
    projector and phones count (an answer only the facilitator sees is not counted)."""
    query = (_SHARED_COUNT.where(_ANSWERS.c.kind == TAKEAWAY) if session_card_id is None
             else _SHARED_COUNT.where(_ANSWERS.c.session_card_id == session_card_id))
    return db.scalar(query, {"session_id": session.id}) or 0


def response_counts(db: Session, session: GroupSession, prompt: str) -> dict:
    rows = db.execute(_COUNTS, {"session_id": session.id, "prompt": prompt}).all()
    counts = {bool(passed): n for passed, n in rows}
    return {"answered": counts.get(False, 0), "passed": counts.get(True, 0)}


def withdraw(db: Session, session: GroupSession, participant: Participant, answer_id: str) -> None:
    """A participant takes back one of their own named answers (anonymous answers are
    not linked to anyone, so they cannot be withdrawn by their author)."""
    require_admitted(session, participant)
    answer = db.get(Answer, answer_id)
    if answer is None or answer.session_id != session.id or answer.author_participant_id != participant.id:
        raise RoomError("not_found")
    db.execute(delete(ResponseMark).where(
        ResponseMark.session_id == session.id,
        ResponseMark.prompt == f"card:{answer.session_card_id}",
        ResponseMark.participant_id == participant.id,
    ))
    was_public = answer.revealed and not answer.hidden
    db.delete(answer)
    if was_public:
        bump(session)


def named_answers_of(db: Session, session: GroupSession, participant: Participant, session_card_id: int) -> list[Answer]:
    return list(db.scalars(select(Answer).where(
        Answer.session_id == session.id,
        Answer.session_card_id == session_card_id,
        Answer.author_participant_id == participant.id,
    )))


def _prompt_key(session_card_id: int | None) -> str:
    return TAKEAWAY if session_card_id is None else card_prompt(session_card_id)


def reveal(db: Session, session: GroupSession, session_card_id: int | None, answer_id: str | None = None) -> int:
    """Reveal a card's shared, not hidden answers (None: the takeaways) in a random order
    after any already revealed; ``answer_id``: that one answer only (which approves it,
    if it was held back). Returns how many were newly revealed.

    "Reveal all" holds back the answers shared with "share anyway" that the facilitator
    has not approved. After a first reveal, a lone anonymous answer written since the
    last one waits until another comes: shown on its own, it would be known as the one
    written since. What the last reveal left unrevealed is kept as a count per prompt
    (``GroupSession.reveal_backlog``), so revealing one by one never holds back an answer
    that was already there. A card of another session is ``not_found``."""
    if session_card_id is not None and session_card_id not in card_ids(db, session):
        raise RoomError("not_found")
    pending = list(db.scalars(_of_prompt(select(Answer).where(
        Answer.session_id == session.id, Answer.audience == "group", Answer.hidden.is_(False),
        Answer.revealed.is_(False),
    ), session_card_id)))
    if answer_id is not None:
        new = [a for a in pending if a.id == answer_id]
        if not new:
            raise RoomError("not_found")
        new[0].approved = True
    else:
        new = [a for a in pending if a.flagged is None or a.approved]
        if not new:
            if pending:
                raise RoomError("reveal_held_back")
            return 0
    anonymous = [a for a in pending if a.author_participant_id is None]
    backlog = dict(session.reveal_backlog or {})
    key = _prompt_key(session_card_id)
    left = backlog.get(key)
    if left is None and _any_revealed(db, session, session_card_id):
        left = 0  # revealed before this count was kept
    chosen = [a for a in new if a.author_participant_id is None]
    if left == 0 and len(anonymous) == 1 and chosen:
        # One anonymous answer since the last reveal, shown on its own, would be known
        # as the one written since then: it waits for another.
        new.remove(chosen[0])
        chosen = []
        if not new:
            raise RoomError("reveal_waits_for_another")
    secrets.SystemRandom().shuffle(new)
    start = (db.scalar(select(func.max(Answer.reveal_rank)).where(Answer.session_id == session.id)) or 0) + 1
    for offset, answer in enumerate(new):
        answer.revealed = True
        answer.reveal_rank = start + offset
    backlog[key] = len(anonymous) - len(chosen)
    session.reveal_backlog = backlog
    bump(session)
    return len(new)


def approve(db: Session, session: GroupSession, answer_id: str, approved: bool) -> None:
    """The facilitator lets an answer shared with "share anyway" be revealed with the
    others (or holds it back again, until it is revealed)."""
    answer = db.get(Answer, answer_id)
    if answer is None or answer.session_id != session.id or answer.flagged is None:
        raise RoomError("not_found")
    answer.approved = approved


def _of_prompt(query, session_card_id: int | None):
    """``query`` narrowed to one card's answers (None: the takeaways)."""
    if session_card_id is None:
        return query.where(Answer.kind == TAKEAWAY)
    return query.where(Answer.session_card_id == session_card_id)


def _any_revealed(db: Session, session: GroupSession, session_card_id: int | None) -> bool:
    query = select(Answer.id).where(Answer.session_id == session.id, Answer.revealed.is_(True))
    return db.scalar(_of_prompt(query, session_card_id).limit(1)) is not None


def set_hidden(db: Session, session: GroupSession, answer_id: str, hidden: bool) -> None:
    answer = db.get(Answer, answer_id)
    if answer is None or answer.session_id != session.id:
        raise RoomError("not_found")
    if answer.hidden != hidden:
        answer.hidden = hidden
        if answer.revealed:
            bump(session)


# Built once: read on every card move and every reveal, for every room (a statement
# built per call costs more to build and to key for SQLAlchemy's cache than to run). The
# columns are what the group is shown of a revealed answer, as rows, not ORM objects.
_SHARED = (select(Answer.id, Answer.text, Answer.author_name, Answer.resonates)
           .where(Answer.session_id == bindparam("in_session"), Answer.revealed.is_(True),
                  Answer.hidden.is_(False))
           .order_by(Answer.reveal_rank))
_CARD_SHARED = _SHARED.where(Answer.session_card_id == bindparam("card"))
# what ``revealed`` reads of a card (parameters ``in_session``, ``card``), for a statement
# that reads it with a change (a card move: ``lifecycle.move_card``'s ``reading``, whose
# parameters may not be named after a column the move sets, such as ``session_id``)
CARD_REVEALED = _CARD_SHARED
_TAKEAWAYS_SHARED = _SHARED.where(Answer.kind == TAKEAWAY)


def revealed(db: Session, session: GroupSession, session_card_id: int | None) -> list:
    """A card's revealed, not hidden answers (None: the takeaways), in reveal order, as
    rows of ``id, text, author_name, resonates``."""
    if session_card_id is None:
        return db.execute(_TAKEAWAYS_SHARED, {"in_session": session.id}).all()
    return db.execute(_CARD_SHARED, {"in_session": session.id, "card": session_card_id}).all()


def reaction_key(session: GroupSession, participant: Participant, answer_id: str) -> str:
    return hmac.new(session.anon_salt.encode(), f"{participant.id}:{answer_id}".encode(), hashlib.sha256).hexdigest()


def react(db: Session, session: GroupSession, participant: Participant, answer_id: str) -> None:
    """"This resonates with me", once per answer: a second time (a retry, another tab)
    changes nothing and is acknowledged as the first was. Nothing records who sent it."""
    require_admitted(session, participant)
    answer = db.get(Answer, answer_id)
    if answer is None or answer.session_id != session.id or not answer.revealed or answer.hidden:
        raise RoomError("not_found")
    key = reaction_key(session, participant, answer_id)
    if db.get(Reaction, key) is not None:
        return
    db.add(Reaction(key=key, answer_id=answer_id))
    # no new version: a count, sent with the throttled update (broadcast.publish_soon)
    db.execute(update(Answer).where(Answer.id == answer_id).values(resonates=Answer.resonates + 1))


def reacted_ids(db: Session, session: GroupSession, participant: Participant, answer_ids: list[str]) -> list[str]:
    if not session.anon_salt or not answer_ids:
        return []
    keys = {reaction_key(session, participant, a): a for a in answer_ids}
    found = db.scalars(select(Reaction.key).where(Reaction.key.in_(list(keys))))
    return [keys[k] for k in found]


def submit_takeaway(
    db: Session, session: GroupSession, participant: Participant, text: str, *, audience: str,
    share_anyway: bool = False, command_id: str | None = None,
) -> None:
    """A closing takeaway: always anonymous, shared with the group or only the facilitator."""
    require_admitted(session, participant)
    if session.phase != "grow":
        raise RoomError("not_in_phase", phase="grow")
    text = _clean_text(text)
    if audience not in AUDIENCES:
        raise RoomError("audience_invalid")
    flagged = check_shareable(text, share_anyway) if audience == "group" else None
    _mark_and_add(db, session, TAKEAWAY, participant, {
        "id": secrets.token_hex(16), "session_card_id": None, "kind": TAKEAWAY, "audience": audience,
        "author_participant_id": None, "author_name": None, "text": text, "flagged": flagged}, command_id)


def pass_takeaway(db: Session, session: GroupSession, participant: Participant, *,
                  command_id: str | None = None) -> None:
    """Passing on the closing takeaway (counted as a pass, never as an answer)."""
    require_admitted(session, participant)
    if session.phase != "grow":
        raise RoomError("not_in_phase", phase="grow")
    _mark(db, session, TAKEAWAY, participant, passed=True, command_id=command_id)


# Built once (sent to the console about once a second per busy room): a card's answers,
# or the takeaways, as the columns the console shows, ordered by the random key (the
# order of arrival is not kept anywhere).
_FOR_FACILITATOR = select(Answer.id, Answer.text, Answer.audience, Answer.author_name, Answer.hidden,
                          Answer.revealed, Answer.resonates, Answer.flagged, Answer.approved).where(Answer.session_id == bindparam("session_id"))
_CARD_FOR_FACILITATOR = _FOR_FACILITATOR.where(Answer.session_card_id == bindparam("card")).order_by(Answer.id)
_TAKEAWAYS_FOR_FACILITATOR = _FOR_FACILITATOR.where(Answer.kind == TAKEAWAY).order_by(Answer.id)


def answers_for_facilitator(db: Session, session: GroupSession, session_card_id: int | None) -> list:
    """A card's answers (None: the takeaways), as rows of what the console shows of them."""
    if session_card_id is None:
        return db.execute(_TAKEAWAYS_FOR_FACILITATOR, {"session_id": session.id}).all()
    return db.execute(_CARD_FOR_FACILITATOR, {"session_id": session.id, "card": session_card_id}).all()
