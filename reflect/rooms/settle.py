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

from sqlalchemy.orm import Session

from reflect.models import GroupSession
from reflect.rooms import storage


def settle_round(db: Session, round_id: int) -> None:
    """A closed check-in round: its answers written again in a random order, with new keys."""
    storage.write_again_checkins(db, round_id)
    storage.clear_checkin_mark_commands(db, round_id)


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
    prompts = storage.prompts_not_settled(db, session.id)
    prompts.discard(_open_prompt(session, card_on_screen))
    for prompt in sorted(prompts):
        if prompt == "takeaway":
            storage.write_again_answers(db, session.id, takeaways=True)
        else:
            storage.write_again_answers(db, session.id, card_id=int(prompt.split(":", 1)[1]))
        storage.clear_response_mark_commands(db, session.id, prompt)
    rounds = storage.closed_rounds_not_settled(db, session.id)
    for round_id in rounds:
        settle_round(db, round_id)
    return len(prompts) + len(rounds)


def settle_all(db: Session, session_id: int) -> None:
    """Every anonymous row of a session written again (its end, or a migration): all its
    answers and takeaways, and each check-in round's answers with new keys."""
    storage.write_again_answers(db, session_id)
    for round_id in storage.round_ids(db, session_id):
        storage.write_again_checkins(db, round_id)
