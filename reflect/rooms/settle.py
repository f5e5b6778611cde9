"""Settling a round: once the round an anonymous row belongs to has closed, nothing in
storage may say when the row arrived.

An anonymous row (a check-in, an answer, a takeaway, a reaction) holds no author, no
time and a random key, but storage itself keeps an order: PostgreSQL stamps each row
version with the transaction that wrote it (``xmin``, shared with its author's "has
answered" mark) and places it after the rows written before it (``ctid``); SQLite lays
the cells of a page out in the order they were written. So when a round closes, its
rows are *settled*: read, deleted and inserted again in a random order, in one
transaction. Afterwards they all carry that transaction's stamp, their places follow the
shuffle, and a check-in also gets a new random key. (The versions deleted stay in
PostgreSQL's heap, invisible to queries, until ``VACUUM``; see docs/security.md.)

What "closed" means for each kind of row:
- a check-in round: when it is closed (it can be opened again only if nothing was shown;
  then it is settled again when it closes again);
- a card's answers: when the card leaves the screen (another card, another phase);
- the takeaways: when the closing phase ends;
- everything, once more, when the session ends (reactions are deleted then).

A round with rows not yet settled is known by its marks: every mark carries the id of
the command that wrote it until its round is settled (``ResponseMark.command_id``,
``CheckinMark.command_id``), which is what a retry is recognised by while the round is
open. Settling clears them, so settling twice does no work the second time.
"""
from __future__ import annotations

import secrets

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from reflect.models import Answer, CheckinAnswer, CheckinMark, CheckinRound, GroupSession, Reaction, ResponseMark

_ANSWERS, _CHECKINS, _REACTIONS = Answer.__table__, CheckinAnswer.__table__, Reaction.__table__
_MARKS, _CHECKIN_MARKS = ResponseMark.__table__, CheckinMark.__table__
_shuffle = secrets.SystemRandom().shuffle


def _write_again(db: Session, table, where, *, new_key: bool = False) -> list[dict]:
    """Read the rows of ``table`` matching ``where``, delete them and insert them again in
    a random order (``new_key``: each with a new random primary key). Returns the rows
    as they were read."""
    rows = [dict(row) for row in db.execute(select(*table.c).where(where)).mappings()]
    if not rows:
        return rows
    db.execute(delete(table).where(where))
    again = [dict(row) for row in rows]
    _shuffle(again)
    if new_key:
        for row in again:
            row["id"] = secrets.token_hex(16)
    db.execute(insert(table), again)
    return rows


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


def settle_round(db: Session, round_id: int) -> None:
    """A closed check-in round: its answers written again in a random order, with new keys."""
    _write_again(db, _CHECKINS, _CHECKINS.c.round_id == round_id, new_key=True)
    db.execute(update(_CHECKIN_MARKS).where(_CHECKIN_MARKS.c.round_id == round_id,
                                            _CHECKIN_MARKS.c.command_id.is_not(None)).values(command_id=None))


def _open_prompt(session: GroupSession, card_on_screen: int | None) -> str | None:
    """The prompt still open for answers: the card on screen, or the takeaways in the
    closing phase; None otherwise."""
    if session.phase == "reflect":
        return f"card:{card_on_screen}" if card_on_screen is not None else None
    if session.phase == "grow":
        return "takeaway"
    return None


def settle_closed(db: Session, session: GroupSession, card_on_screen: int | None) -> int:
    """Settle every prompt of ``session`` (a card, the takeaways) that holds rows written
    since it was last settled and is no longer open, and every closed check-in round
    likewise. Returns how many were settled. The caller holds the session's row lock;
    ``card_on_screen`` is the id of the card on screen (``lifecycle.current_card_id``)."""
    open_prompt = _open_prompt(session, card_on_screen)
    prompts = set(db.scalars(select(_MARKS.c.prompt).distinct().where(
        _MARKS.c.session_id == session.id, _MARKS.c.command_id.is_not(None))))
    prompts.discard(open_prompt)
    for prompt in sorted(prompts):
        if prompt == "takeaway":
            where = (_ANSWERS.c.session_id == session.id) & (_ANSWERS.c.kind == "takeaway")
        else:
            where = (_ANSWERS.c.session_id == session.id) & (_ANSWERS.c.session_card_id == int(prompt.split(":", 1)[1]))
        _answers_again(db, where)
        db.execute(update(_MARKS).where(_MARKS.c.session_id == session.id, _MARKS.c.prompt == prompt,
                                        _MARKS.c.command_id.is_not(None)).values(command_id=None))
    rounds = list(db.scalars(select(CheckinRound.id).where(
        CheckinRound.session_id == session.id, CheckinRound.status == "closed",
        CheckinRound.id.in_(select(_CHECKIN_MARKS.c.round_id).where(_CHECKIN_MARKS.c.command_id.is_not(None))))))
    for round_id in rounds:
        settle_round(db, round_id)
    return len(prompts) + len(rounds)


def settle_all(db: Session, session_id: int) -> None:
    """Every anonymous row of a session written again (its end, or a migration): all its
    answers and takeaways, and each check-in round's answers with new keys."""
    _answers_again(db, _ANSWERS.c.session_id == session_id)
    for round_id in db.scalars(select(CheckinRound.id).where(CheckinRound.session_id == session_id)).all():
        _write_again(db, _CHECKINS, _CHECKINS.c.round_id == round_id, new_key=True)
