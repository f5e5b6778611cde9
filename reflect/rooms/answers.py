"""Answers to cards, closing takeaways and "this resonates with me".

An anonymous answer holds no reference to its author; "has responded" is a separate
``ResponseMark``. Shared answers reach the group only when the facilitator reveals
them, in a random order; a reaction is keyed by a hash under the session's salt.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from reflect.models import Answer, GroupSession, Participant
from reflect.rooms import storage
from reflect.rooms.errors import RoomError
from reflect.rooms.guard import check_shareable
from reflect.rooms.lifecycle import bump, card_ids, current_card_id
from reflect.rooms.participants import require_admitted

TEXT_MAX = 600
AUDIENCES = ("group", "facilitator")
TAKEAWAY = "takeaway"


def card_prompt(session_card_id: int) -> str:
    return f"card:{session_card_id}"


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise RoomError("text_empty")
    if len(text) > TEXT_MAX:
        raise RoomError("text_too_long", limit=TEXT_MAX)
    return text


def _is_retry(db: Session, session: GroupSession, participant: Participant, prompt: str,
              command_id: str | None) -> bool:
    """Whether the command ``command_id`` already wrote the phone's mark for ``prompt``
    (it was committed and the phone sent it again): the retry is acknowledged as the
    first run was, and writes nothing. Marks keep the id only until their card or the
    takeaways are settled (``rooms.settle``)."""
    return command_id is not None and storage.mark_command_id(db, session.id, prompt, participant.id) == command_id


def _unless_retry(db: Session, session: GroupSession, participant: Participant, prompt: str,
                  command_id: str | None, refused: RoomError) -> None:
    """A command refused with ``refused`` (the card has moved on, the phase changed, the
    phone has responded): raise it, unless the command is the retry of the one that
    wrote the phone's mark (``_is_retry``), which the caller acknowledges as it was the
    first time, writing nothing."""
    if not _is_retry(db, session, participant, prompt, command_id):
        raise refused


def _mark(db: Session, session: GroupSession, prompt: str, participant: Participant, *, passed: bool,
          command_id: str | None) -> bool:
    """The participant's mark for ``prompt``: whether it was written now; False for the
    retry of the command that wrote it (``_is_retry``); ``already_responded`` if another
    command did."""
    if storage.add_mark_once(db, session.id, prompt, participant.id, passed=passed, command_id=command_id):
        return True
    _unless_retry(db, session, participant, prompt, command_id, RoomError("already_responded"))
    return False


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
) -> Answer | None:
    """An answer to the card on screen, anonymous or with the participant's name; the
    answer written, or None for a retry of the command ``command_id`` that wrote it (see
    ``_is_retry``), which writes nothing."""
    require_admitted(session, participant)
    prompt = card_prompt(session_card_id)
    try:
        _require_current(db, session, session_card_id)
    except RoomError as refused:
        _unless_retry(db, session, participant, prompt, command_id, refused)
        return None
    text = _clean_text(text)
    if audience not in AUDIENCES:
        raise RoomError("audience_invalid")
    if named and (not session.allow_names or not participant.display_name):
        raise RoomError("names_not_allowed" if not session.allow_names else "no_name")
    flagged = check_shareable(text, share_anyway) if audience == "group" else None
    if not _mark(db, session, prompt, participant, passed=False, command_id=command_id):
        return None
    answer = Answer(id=secrets.token_hex(16), session_id=session.id, session_card_id=session_card_id, kind="card",
                    audience=audience, author_participant_id=participant.id if named else None,
                    author_name=participant.display_name if named else None, text=text, flagged=flagged)
    storage.add_answer(db, answer)
    return answer


def pass_card(db: Session, session: GroupSession, participant: Participant, session_card_id: int, *,
              command_id: str | None = None) -> None:
    """Passing on the card on screen; a retry of the command ``command_id`` that wrote
    the pass writes nothing (``_is_retry``)."""
    require_admitted(session, participant)
    prompt = card_prompt(session_card_id)
    try:
        _require_current(db, session, session_card_id)
    except RoomError as refused:
        _unless_retry(db, session, participant, prompt, command_id, refused)
        return
    _mark(db, session, prompt, participant, passed=True, command_id=command_id)


def shared_count(db: Session, session: GroupSession, session_card_id: int | None) -> int:
    """How many answers to a card (None: takeaways) were shared with the group: what the
    projector and phones count (an answer only the facilitator sees is not counted)."""
    return storage.shared_count(db, session.id, session_card_id)


def response_counts(db: Session, session: GroupSession, prompt: str) -> dict:
    return storage.response_counts(db, session.id, prompt)


def withdraw(db: Session, session: GroupSession, participant: Participant, answer_id: str) -> None:
    """A participant takes back one of their own named answers (anonymous answers are
    not linked to anyone, so they cannot be withdrawn by their author)."""
    require_admitted(session, participant)
    answer = storage.answer_by_id(db, answer_id)
    if answer is None or answer.session_id != session.id or answer.author_participant_id != participant.id:
        raise RoomError("not_found")
    storage.delete_mark(db, session.id, card_prompt(answer.session_card_id), participant.id)
    was_public = answer.revealed and not answer.hidden
    storage.delete_answer(db, answer)
    if was_public:
        bump(session)


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
    pending = storage.unrevealed_shared(db, session.id, session_card_id)
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
    if left is None and storage.any_revealed(db, session.id, session_card_id):
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
    start = storage.last_reveal_rank(db, session.id) + 1
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
    answer = storage.answer_by_id(db, answer_id)
    if answer is None or answer.session_id != session.id or answer.flagged is None:
        raise RoomError("not_found")
    answer.approved = approved


def set_hidden(db: Session, session: GroupSession, answer_id: str, hidden: bool) -> None:
    answer = storage.answer_by_id(db, answer_id)
    if answer is None or answer.session_id != session.id:
        raise RoomError("not_found")
    if answer.hidden != hidden:
        answer.hidden = hidden
        if answer.revealed:
            bump(session)


def revealed(db: Session, session: GroupSession, session_card_id: int | None) -> list:
    """A card's revealed, not hidden answers (None: the takeaways), in reveal order, as
    rows of ``id, text, author_name, resonates``."""
    return storage.revealed_answers(db, session.id, session_card_id)


def reaction_key(session: GroupSession, participant: Participant, answer_id: str) -> str:
    return hmac.new(session.anon_salt.encode(), f"{participant.id}:{answer_id}".encode(), hashlib.sha256).hexdigest()


def react(db: Session, session: GroupSession, participant: Participant, answer_id: str) -> None:
    """"This resonates with me", once per answer: a second time (a retry, another tab)
    changes nothing and is acknowledged as the first was. Nothing records who sent it."""
    require_admitted(session, participant)
    answer = storage.answer_by_id(db, answer_id)
    if answer is None or answer.session_id != session.id or not answer.revealed or answer.hidden:
        raise RoomError("not_found")
    if storage.add_reaction_once(db, reaction_key(session, participant, answer_id), answer_id):
        # no new version: a count, sent with the throttled update (broadcast.publish_soon)
        storage.count_resonance(db, answer_id)


def reacted_ids(db: Session, session: GroupSession, participant: Participant, answer_ids: list[str]) -> list[str]:
    if not session.anon_salt or not answer_ids:
        return []
    keys = {reaction_key(session, participant, a): a for a in answer_ids}
    return [keys[k] for k in storage.reactions_among(db, list(keys))]


def submit_takeaway(
    db: Session, session: GroupSession, participant: Participant, text: str, *, audience: str,
    share_anyway: bool = False, command_id: str | None = None,
) -> None:
    """A closing takeaway: always anonymous, shared with the group or only the facilitator.
    A retry of the command ``command_id`` that wrote it writes nothing (``_is_retry``)."""
    require_admitted(session, participant)
    try:
        _require_phase(session, "grow")
    except RoomError as refused:
        _unless_retry(db, session, participant, TAKEAWAY, command_id, refused)
        return
    text = _clean_text(text)
    if audience not in AUDIENCES:
        raise RoomError("audience_invalid")
    flagged = check_shareable(text, share_anyway) if audience == "group" else None
    if _mark(db, session, TAKEAWAY, participant, passed=False, command_id=command_id):
        storage.add_answer(db, Answer(id=secrets.token_hex(16), session_id=session.id, session_card_id=None,
                                      kind=TAKEAWAY, audience=audience, author_participant_id=None,
                                      author_name=None, text=text, flagged=flagged))


def pass_takeaway(db: Session, session: GroupSession, participant: Participant, *,
                  command_id: str | None = None) -> None:
    """Passing on the closing takeaway (counted as a pass, never as an answer); a retry
    of the command ``command_id`` that wrote the pass writes nothing."""
    require_admitted(session, participant)
    try:
        _require_phase(session, "grow")
    except RoomError as refused:
        _unless_retry(db, session, participant, TAKEAWAY, command_id, refused)
        return
    _mark(db, session, TAKEAWAY, participant, passed=True, command_id=command_id)


def _require_phase(session: GroupSession, phase: str) -> None:
    if session.phase != phase:
        raise RoomError("not_in_phase", phase=phase)


def answers_for_facilitator(db: Session, session: GroupSession, session_card_id: int | None) -> list:
    """A card's answers (None: the takeaways), as rows of what the console shows of them,
    ordered by their random key (the order of arrival is not kept anywhere)."""
    return storage.answers_for_facilitator(db, session.id, session_card_id)
