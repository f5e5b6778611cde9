"""Anonymous check-ins.

"Has answered" (``CheckinMark``) is kept apart from the answer (``CheckinAnswer``), which
holds no participant, no time and a random key. Aggregates appear only after the round
is closed and only if at least the minimum group size answered.
"""
from __future__ import annotations

import random
import secrets

from sqlalchemy.orm import Session

from reflect.models import CheckinMark, CheckinRound, GroupSession, Participant
from reflect.rooms import feelings as feeling_list
from reflect.rooms import scales as scale_defs
from reflect.rooms import storage
from reflect.rooms.errors import RoomError
from reflect.rooms.lifecycle import bump, close_open_round, results_shown
from reflect.rooms.participants import require_admitted

KINDS = ("opening", "closing")


def get_round(db: Session, session: GroupSession, kind: str) -> CheckinRound | None:
    if kind not in KINDS:
        raise RoomError("checkin_kind_invalid")
    return storage.round_of(db, session.id, kind)


def open_round(db: Session, session: GroupSession, kind: str) -> CheckinRound:
    if session.phase == "ended":
        raise RoomError("session_ended")
    round_ = get_round(db, session, kind)
    if round_ is None:
        round_ = CheckinRound(session_id=session.id, kind=kind, status="open", scales=list(session.checkin_scales))
        storage.add_round(db, round_)
    elif round_.status == "open":
        return round_
    elif results_shown(db, session, round_):
        # Its figures were shown: shown again with a latecomer's answer added, the
        # difference would be that one person's scores and words.
        raise RoomError("checkin_results_shown")
    else:
        round_.status, round_.closed_at = "open", None
    bump(session)
    return round_


def close_round(db: Session, session: GroupSession, kind: str) -> CheckinRound:
    round_ = get_round(db, session, kind)
    if round_ is None:
        raise RoomError("checkin_not_open")
    if close_open_round(db, session, round_):
        bump(session)
    return round_


def submit(
    db: Session,
    session: GroupSession,
    participant: Participant,
    kind: str,
    *,
    passed: bool,
    scores: dict[str, int] | None = None,
    feeling: str | None = None,
    free_word: str | None = None,
    command_id: str | None = None,
) -> None:
    """One anonymous check-in: scores, the key of a feeling of the shared list
    (``rooms.feelings``) and, where the facilitator allows it, a word of the
    participant's own (``free_word``), which reaches the facilitator only.

    Its mark carries ``command_id`` until the round is settled. A phone that sends the
    same check-in again (its first run committed, its acknowledgement lost) is known by
    it: the call writes nothing and returns, as the first did, even if the round has
    closed since. No record of the command is kept: one naming the phone, written with
    the anonymous answer, would link the two."""
    round_ = get_round(db, session, kind)
    mark = storage.checkin_mark(db, round_.id, participant.id) if round_ is not None else None
    if _sent_by(mark, command_id):
        return
    require_admitted(session, participant)
    if round_ is None or round_.status != "open":
        raise RoomError("checkin_not_open")
    scores = {} if passed else dict(scores or {})
    for scale, value in scores.items():
        if scale not in round_.scales:
            raise RoomError("scale_invalid")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise RoomError("score_invalid")
    feeling = None if passed else (feeling or None)
    if feeling is not None and not feeling_list.is_feeling(feeling):
        raise RoomError("feeling_invalid")
    free_word = None if passed else (" ".join((free_word or "").split()) or None)
    if free_word is not None:
        if not session.allow_free_feeling:
            raise RoomError("free_word_not_allowed")
        if len(free_word) > scale_defs.FEELING_MAX:
            raise RoomError("feeling_too_long")
    if not passed and not scores and not feeling and not free_word:
        raise RoomError("checkin_empty")
    if mark is not None:
        raise RoomError("already_checked_in")
    written = storage.add_checkin_once(
        db, {"round_id": round_.id, "participant_id": participant.id, "command_id": command_id},
        {"id": secrets.token_hex(16), "round_id": round_.id, "passed": passed, "scores": scores, "feeling": feeling,
         "free_word": free_word})
    if not written and not _sent_by(storage.checkin_mark(db, round_.id, participant.id), command_id):
        # the phone checked in meanwhile, by another command (the same one: its resend
        # overtook it, and it has committed since)
        raise RoomError("already_checked_in")


def _sent_by(mark: CheckinMark | None, command_id: str | None) -> bool:
    """Whether ``mark`` was written by the command ``command_id``."""
    return command_id is not None and mark is not None and mark.command_id == command_id


def counts(db: Session, round_: CheckinRound) -> tuple[int, int]:
    """How many answered a round and how many passed (a pass is never counted as an
    answer): counted from the anonymous answers, which say no more than that."""
    return storage.checkin_counts(db, round_.id)


def result(db: Session, round_: CheckinRound, min_group_size: int) -> dict:
    """What may be shown of a round: always the counts (answered, passed); the
    distribution per scale, the means and the words (shuffled) only once closed and from
    enough answers (passes never count toward the minimum group size)."""
    answered, passed = counts(db, round_)
    out = {"kind": round_.kind, "status": round_.status, "scales": list(round_.scales), "answered": answered,
           "passed": passed, "shown": False, "too_few": False}
    if round_.status != "closed":
        return out
    rows = storage.checkin_scores_and_feelings(db, round_.id)
    if len(rows) < min_group_size:
        out["too_few"] = True
        return out
    distribution = {scale: [0, 0, 0, 0, 0] for scale in round_.scales}
    for scores, _feeling in rows:
        for scale, value in (scores or {}).items():
            if scale in distribution:
                distribution[scale][value - 1] += 1
    # A scale that fewer than the threshold rated is withheld on its own.
    distribution = {s: (c if sum(c) >= min_group_size else None) for s, c in distribution.items()}
    means = {
        scale: round(sum((i + 1) * c for i, c in enumerate(counts)) / sum(counts), 2) if counts else None
        for scale, counts in distribution.items()
    }
    # The words are withheld as a whole unless enough people chose one: a lone word
    # among numbers would stand out as one person's. They are keys of the shared list,
    # shown to each viewer in their language (``rooms.feelings``); words of a
    # participant's own are never here (``free_words``: the facilitator's only).
    words = [feeling for _scores, feeling in rows if feeling and feeling_list.is_feeling(feeling)]
    words = words if len(words) >= min_group_size else []
    random.SystemRandom().shuffle(words)
    out.update(shown=True, n=len(rows), distribution=distribution, means=means, words=words)
    return out


def free_words(db: Session, round_: CheckinRound, min_group_size: int) -> list[str]:
    """The words of their own that participants gave with a check-in, for the facilitator
    alone: only once the round is closed and its figures shown (at least the minimum
    group size answered), shuffled. Never part of an aggregate."""
    if round_.status != "closed":
        return []
    rows = storage.checkin_free_words(db, round_.id)
    if len(rows) < min_group_size:
        return []
    words = [w for w in rows if w]
    random.SystemRandom().shuffle(words)
    return words
