"""Retention: the raw text of ended sessions is purged after a while, or at once on request.

What is purged is what people wrote: answers to cards and closing takeaways
(``Answer.text``), the facilitator's notes (``Note.text``) and the words of their own
given with a check-in (``CheckinAnswer.free_word``). The rows stay, so counts, scores,
the feelings chosen from the shared list (stored as keys, like a score), attendance,
tags and card themes survive. Every purge is a conditional ``UPDATE ... WHERE text
IS NOT NULL``: running it twice, or in several processes at once, purges each text
exactly once and counts it once. Only counts are ever logged or audited.

Business rules only: no Flask request globals here (the hourly job that runs
``purge_expired`` is registered with the others in ``rooms/jobs.py``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from reflect.audit import record
from reflect.db import begin_write, utcnow
from reflect.models import Answer, CheckinAnswer, CheckinRound, GroupSession, Note, User

log = logging.getLogger("reflect.retention")


class RetentionError(ValueError):
    """A purge that cannot be carried out; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PurgeReport:
    """How many sessions were purged and how many texts were erased (never what they said)."""

    sessions: int = 0
    answers: int = 0
    notes: int = 0
    feelings: int = 0

    def __add__(self, other: "PurgeReport") -> "PurgeReport":
        return PurgeReport(
            self.sessions + other.sessions,
            self.answers + other.answers,
            self.notes + other.notes,
            self.feelings + other.feelings,
        )

    @property
    def texts(self) -> int:
        return self.answers + self.notes + self.feelings


def cutoff(now: datetime, days: int) -> datetime:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise RetentionError("days_invalid")
    return now - timedelta(days=days)


def _answers_left(session_id):
    return exists().where(Answer.session_id == session_id, Answer.text.is_not(None))


def _notes_left(session_id):
    return exists().where(Note.session_id == session_id, Note.text.is_not(None))


def _feelings_left(session_id):
    return (
        exists()
        .where(CheckinAnswer.round_id == CheckinRound.id)
        .where(CheckinRound.session_id == session_id, CheckinAnswer.free_word.is_not(None))
    )


def _expired_session_ids(db: Session, now: datetime, days: int) -> list[int]:
    """Sessions that ended before the cut-off and still hold text (or are not yet stamped)."""
    sid = GroupSession.id
    return list(
        db.scalars(
            select(sid)
            .where(GroupSession.ended_at.is_not(None), GroupSession.ended_at < cutoff(now, days))
            .where(
                or_(
                    GroupSession.text_purged_at.is_(None),
                    _answers_left(sid),
                    _notes_left(sid),
                    _feelings_left(sid),
                )
            )
            .order_by(sid)  # sessions in the same order in every process: no deadlock
        )
    )


def _purge_one(db: Session, session_id: int, now: datetime) -> PurgeReport:
    """Erase one session's remaining text with conditional updates; count what this call erased."""
    # Lock the session's row first, as the live engine does before touching its rows:
    # one lock order everywhere, so a purge and a live command never deadlock.
    db.execute(select(GroupSession.id).where(GroupSession.id == session_id).with_for_update())
    answers = db.execute(
        update(Answer)
        .where(Answer.session_id == session_id, Answer.text.is_not(None))
        .values(text=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    notes = db.execute(
        update(Note)
        .where(Note.session_id == session_id, Note.text.is_not(None))
        .values(text=None, purged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    rounds = select(CheckinRound.id).where(CheckinRound.session_id == session_id).scalar_subquery()
    feelings = db.execute(
        update(CheckinAnswer)
        .where(CheckinAnswer.round_id.in_(rounds), CheckinAnswer.free_word.is_not(None))
        .values(free_word=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    stamped = db.execute(
        update(GroupSession)
        .where(GroupSession.id == session_id, GroupSession.text_purged_at.is_(None))
        .values(text_purged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    touched = 1 if (stamped or answers or notes or feelings) else 0
    return PurgeReport(touched, answers, notes, feelings)


def _refresh(db: Session, session_id: int) -> None:
    """Objects already loaded in this Session must not keep showing erased text."""
    for obj in list(db.identity_map.values()):
        if isinstance(obj, GroupSession) and obj.id == session_id:
            db.expire(obj)
        elif isinstance(obj, (Answer, Note)) and obj.session_id == session_id:
            db.expire(obj)
        elif isinstance(obj, CheckinAnswer):
            db.expire(obj)


# what a session's end deletes or writes again, and so leaves behind as old row versions
SESSION_TABLES = ("answers", "checkin_answers", "reactions", "checkin_marks", "response_marks", "processed_commands")


def reclaim_after_end(db: Session) -> None:
    """After a session's end is committed, on PostgreSQL: ``VACUUM`` the tables whose
    rows the end deleted or wrote again (``lifecycle.unlink_people``), so that their old
    versions, which kept the authors' transaction stamps and order, are no longer in
    the tables (see docs/security.md for what VACUUM does not reach). Nothing on SQLite,
    which zeroes what is deleted (``secure_delete``); its write-ahead log is emptied by
    the hourly purge."""
    if db.get_bind().dialect.name == "postgresql":
        reclaim_erased_space(db, SESSION_TABLES)


def reclaim_erased_space(db: Session, tables: tuple[str, ...] = ("answers", "notes", "checkin_answers")) -> None:
    """After a purge is committed: take the erased text out of the files too, as far as
    the database allows. SQLite (which zeroes what is overwritten, ``secure_delete``)
    copies its write-ahead log, which still holds the pages as they were, into the
    database and empties it. PostgreSQL's ``VACUUM`` removes the row versions that held
    the text (see docs/security.md for what it cannot reach)."""
    engine = db.get_bind()
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # no transaction: a checkpoint cannot run inside one
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM " + ", ".join(tables))


def _audit(db: Session, actor: User | None, session_id: int, report: PurgeReport, reason: str) -> None:
    record(
        db,
        actor,
        "purge",
        f"session:{session_id}",
        {"answers": report.answers, "notes": report.notes, "feelings": report.feelings, "reason": reason},
    )


def purge_expired(db: Session, now: datetime, days: int) -> PurgeReport:
    """Erase the raw text of every session that ended more than ``days`` days before ``now``.

    Sessions still running (no ``ended_at``) are never touched. Each session this call
    changed gets one audit event (actor: none, reason: retention). The caller commits.
    """
    begin_write(db)
    total = PurgeReport()
    for session_id in _expired_session_ids(db, now, days):
        report = _purge_one(db, session_id, now)
        if report.sessions:
            _audit(db, None, session_id, report, "retention")
            _refresh(db, session_id)
        total += report
    return total


def expired_counts(db: Session, now: datetime, days: int) -> PurgeReport:
    """What :func:`purge_expired` would erase now (changes nothing)."""
    ids = _expired_session_ids(db, now, days)
    if not ids:
        return PurgeReport()
    answers = db.scalar(
        select(func.count()).select_from(Answer).where(Answer.session_id.in_(ids), Answer.text.is_not(None))
    )
    notes = db.scalar(
        select(func.count()).select_from(Note).where(Note.session_id.in_(ids), Note.text.is_not(None))
    )
    feelings = db.scalar(
        select(func.count())
        .select_from(CheckinAnswer)
        .join(CheckinRound, CheckinRound.id == CheckinAnswer.round_id)
        .where(CheckinRound.session_id.in_(ids), CheckinAnswer.free_word.is_not(None))
    )
    return PurgeReport(len(ids), answers, notes, feelings)


def purge_session_text(db: Session, session: GroupSession, actor: User | None) -> PurgeReport:
    """Erase one ended session's raw text at once, whatever its age.

    ``actor`` is the person asking (None: the operator, from the command line). Only
    the session's facilitator may ask; a session still running is refused (its text is
    in use). Always audited, with counts only. The caller commits.
    """
    begin_write(db)
    if actor is not None and actor.id != session.facilitator_id:
        raise RetentionError("not_allowed")
    if session.ended_at is None:
        raise RetentionError("session_running")
    now = utcnow()
    report = _purge_one(db, session.id, now)
    _audit(db, actor, session.id, report, "requested")
    _refresh(db, session.id)
    return PurgeReport(1, report.answers, report.notes, report.feelings)
