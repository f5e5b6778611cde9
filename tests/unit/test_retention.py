"""Retention: raw text of long-ended sessions is erased; counts, tags, themes and attendance stay.

Runs on SQLite and PostgreSQL (the ``db`` fixture).
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reflect import retention
from reflect.db import utcnow
from reflect.models import (
    Answer,
    AuditEvent,
    CheckinAnswer,
    CheckinMark,
    CheckinRound,
    Group,
    GroupSession,
    Note,
    NoteTag,
    Participant,
    Reaction,
    ResponseMark,
    SessionCard,
    ThemeTag,
    User,
)
from reflect.ops_cli import purge_command
from reflect.retention import PurgeReport, RetentionError

COUNTED = [GroupSession, Participant, SessionCard, Answer, Reaction, ResponseMark,
           CheckinRound, CheckinMark, CheckinAnswer, Note, NoteTag]


def _key() -> str:
    return uuid.uuid4().hex


def make_facilitator(db, email="fac@example.org") -> User:
    user = User(email=email, role="facilitator", display_name="Fac")
    db.add(user)
    db.flush()
    return user


def make_session(db, facilitator: User, label: str, *, started_days_ago: float, ended_days_ago: float | None,
                 now=None) -> GroupSession:
    """A session with two card answers, a takeaway, two check-in feelings (and a pass) and a tagged note.

    Every text contains ``label`` so a test can look for it anywhere.
    """
    now = now or utcnow()
    group = Group(name=f"Group {label}", facilitator_id=facilitator.id)
    db.add(group)
    db.flush()
    session = GroupSession(
        group_id=group.id, facilitator_id=facilitator.id, deck_id="use-of-self", title=f"Session {label}",
        phase="ended" if ended_days_ago is not None else "card",
        started_at=now - timedelta(days=started_days_ago),
        ended_at=None if ended_days_ago is None else now - timedelta(days=ended_days_ago),
    )
    db.add(session)
    db.flush()
    card = SessionCard(session_id=session.id, position=0, deck_card_id="use-of-self-1", languages=["en"],
                       text={"en": "What did you notice in yourself?"}, perspective="self",
                       themes=["use-of-self", "regulation"])
    named = Participant(session_id=session.id, token_hash=_key(), display_name="Ana")
    anonymous = Participant(session_id=session.id, token_hash=_key())
    db.add_all([card, named, anonymous])
    db.flush()
    first = Answer(id=_key(), session_id=session.id, session_card_id=card.id, audience="group",
                   text=f"{label} card answer, anonymous", resonates=2)
    second = Answer(id=_key(), session_id=session.id, session_card_id=card.id, audience="group",
                    author_participant_id=named.id, author_name="Ana", text=f"{label} card answer, named")
    takeaway = Answer(id=_key(), session_id=session.id, session_card_id=None, kind="takeaway",
                      audience="facilitator", text=f"{label} takeaway")
    db.add_all([first, second, takeaway])
    db.flush()
    opening = CheckinRound(session_id=session.id, kind="opening", status="closed", scales=["energy"])
    db.add(opening)
    db.flush()
    db.add_all([
        Reaction(key=_key() + _key(), answer_id=first.id),
        Reaction(key=_key() + _key(), answer_id=first.id),
        ResponseMark(session_id=session.id, prompt=f"card:{card.id}", participant_id=named.id),
        ResponseMark(session_id=session.id, prompt=f"card:{card.id}", participant_id=anonymous.id),
        ResponseMark(session_id=session.id, prompt="takeaway", participant_id=named.id),
        CheckinMark(round_id=opening.id, participant_id=named.id),
        CheckinMark(round_id=opening.id, participant_id=anonymous.id),
        CheckinAnswer(id=_key(), round_id=opening.id, scores={"energy": 4}, feeling="hopeful", free_word=f"{label} hopeful"),
        CheckinAnswer(id=_key(), round_id=opening.id, scores={"energy": 2}, feeling="tired", free_word=f"{label} tired"),
        CheckinAnswer(id=_key(), round_id=opening.id, passed=True),
    ])
    tags = db.scalars(select(ThemeTag).where(ThemeTag.owner_id.is_(None)).order_by(ThemeTag.slug).limit(2)).all()
    assert len(tags) == 2, "the shared theme vocabulary is seeded by the app fixture"
    note = Note(session_id=session.id, author_id=facilitator.id, client_id=_key(), phase="card",
                session_card_id=card.id, text=f"{label} private note")
    note.tags = list(tags)
    db.add(note)
    db.flush()
    return session


def row_counts(db) -> dict[str, int]:
    return {model.__name__: db.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def texts_of(db, session: GroupSession) -> dict[str, list]:
    rounds = select(CheckinRound.id).where(CheckinRound.session_id == session.id)
    return {
        "answers": sorted(db.scalars(select(Answer.text).where(Answer.session_id == session.id)), key=str),
        "notes": list(db.scalars(select(Note.text).where(Note.session_id == session.id))),
        "feelings": sorted(db.scalars(select(CheckinAnswer.free_word).where(CheckinAnswer.round_id.in_(rounds))),
                           key=str),
    }


def text_count(texts: dict[str, list]) -> int:
    return sum(value is not None for values in texts.values() for value in values)


def all_text_gone(texts: dict[str, list]) -> bool:
    return text_count(texts) == 0


@pytest.fixture
def three_sessions(db):
    """An old ended session, a recent ended one, and one still running that began long ago."""
    now = utcnow()
    fac = make_facilitator(db)
    old = make_session(db, fac, "OLD", started_days_ago=400, ended_days_ago=399.9, now=now)
    recent = make_session(db, fac, "RECENT", started_days_ago=10, ended_days_ago=9.9, now=now)
    running = make_session(db, fac, "RUNNING", started_days_ago=800, ended_days_ago=None, now=now)
    db.commit()
    return fac, old, recent, running


def test_text_of_sessions_ended_long_ago_is_erased_and_everything_else_kept(db, three_sessions):
    fac, old, recent, running = three_sessions
    before = row_counts(db)
    recent_texts, running_texts = texts_of(db, recent), texts_of(db, running)
    old_note = db.scalar(select(Note).where(Note.session_id == old.id))
    old_tags = [tag.slug for tag in old_note.tags]
    now = utcnow()

    report = retention.purge_expired(db, now, 365)
    db.commit()

    assert report == PurgeReport(sessions=1, answers=3, notes=1, feelings=2)
    assert all_text_gone(texts_of(db, old))
    assert row_counts(db) == before  # every row stays, so counts stay
    db.expire_all()
    assert db.get(GroupSession, old.id).text_purged_at == now
    note = db.scalar(select(Note).where(Note.session_id == old.id))
    assert note.text is None and note.purged_at == now
    assert [tag.slug for tag in note.tags] == old_tags and len(old_tags) == 2
    assert db.scalar(select(SessionCard.themes).where(SessionCard.session_id == old.id)) == ["use-of-self", "regulation"]
    assert sorted(db.scalars(select(Participant.display_name).where(Participant.session_id == old.id)), key=str) == [
        "Ana", None]
    assert sorted(db.scalars(select(Answer.resonates).where(Answer.session_id == old.id))) == [0, 0, 2]
    assert db.scalar(select(func.count()).select_from(Answer).where(
        Answer.session_id == old.id, Answer.kind == "takeaway")) == 1
    rounds = select(CheckinRound.id).where(CheckinRound.session_id == old.id)
    assert sorted(db.scalars(select(CheckinAnswer.scores).where(CheckinAnswer.round_id.in_(rounds))),
                  key=json.dumps) == [{"energy": 2}, {"energy": 4}, {}]

    assert texts_of(db, recent) == recent_texts and text_count(recent_texts) == 6
    assert texts_of(db, running) == running_texts and text_count(running_texts) == 6
    assert db.get(GroupSession, recent.id).text_purged_at is None
    assert db.get(GroupSession, running.id).text_purged_at is None


def test_a_second_run_purges_nothing_and_each_purge_is_audited_once_without_content(db, three_sessions):
    _fac, old, _recent, _running = three_sessions
    assert retention.purge_expired(db, utcnow(), 365).sessions == 1
    db.commit()
    assert retention.purge_expired(db, utcnow(), 365) == PurgeReport(0, 0, 0, 0)
    db.commit()

    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
    assert [(e.actor_id, e.target) for e in events] == [(None, f"session:{old.id}")]
    assert events[0].detail == {"answers": 3, "notes": 1, "feelings": 2, "reason": "retention"}
    assert "OLD" not in json.dumps(events[0].detail)


def test_the_age_limit_is_counted_from_the_end_of_the_session(db):
    now = utcnow()
    fac = make_facilitator(db)
    just_over = make_session(db, fac, "OVER", started_days_ago=31, ended_days_ago=30.01, now=now)
    just_under = make_session(db, fac, "UNDER", started_days_ago=40, ended_days_ago=29.99, now=now)
    db.commit()
    assert retention.purge_expired(db, now, 30).sessions == 1
    db.commit()
    assert all_text_gone(texts_of(db, just_over))
    assert text_count(texts_of(db, just_under)) == 6


def test_a_dry_run_counts_what_would_be_purged_and_changes_nothing(db, three_sessions):
    _fac, old, _recent, _running = three_sessions
    before = texts_of(db, old)
    assert retention.expired_counts(db, utcnow(), 365) == PurgeReport(1, 3, 1, 2)
    assert texts_of(db, old) == before
    assert retention.expired_counts(db, utcnow(), 5) == PurgeReport(2, 6, 2, 4)  # running never counts


def test_nonsense_ages_are_refused(db):
    for days in (0, -3, "365", None):
        with pytest.raises(RetentionError) as err:
            retention.purge_expired(db, utcnow(), days)
        assert err.value.code == "days_invalid"


def test_the_facilitator_can_erase_one_sessions_text_at_once_and_it_is_audited(db, three_sessions):
    fac, old, recent, running = three_sessions
    other_texts = texts_of(db, old), texts_of(db, running)
    loaded = db.scalars(select(Answer).where(Answer.session_id == recent.id)).all()  # already in memory

    report = retention.purge_session_text(db, recent, fac)
    db.commit()

    assert report == PurgeReport(1, 3, 1, 2)
    assert all(answer.text is None for answer in loaded)  # nothing stale left in this Session
    assert all_text_gone(texts_of(db, recent))
    assert recent.text_purged_at is not None
    assert (texts_of(db, old), texts_of(db, running)) == other_texts
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "purge"))
    assert (event.actor_id, event.target) == (fac.id, f"session:{recent.id}")
    assert event.detail == {"answers": 3, "notes": 1, "feelings": 2, "reason": "requested"}
    assert "RECENT" not in json.dumps(event.detail)
    # Nothing left for the hourly job to do with it later.
    assert retention.purge_expired(db, utcnow() + timedelta(days=400), 365).answers == 3  # only OLD's


def test_only_the_sessions_facilitator_may_erase_it_and_never_while_it_runs(db, three_sessions):
    fac, _old, recent, running = three_sessions
    stranger = make_facilitator(db, "other@example.org")
    with pytest.raises(RetentionError) as err:
        retention.purge_session_text(db, recent, stranger)
    assert err.value.code == "not_allowed"
    with pytest.raises(RetentionError) as err:
        retention.purge_session_text(db, running, fac)
    assert err.value.code == "session_running"
    db.rollback()
    assert text_count(texts_of(db, recent)) == 6
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "purge")) == 0


def test_two_processes_purging_at_once_erase_and_count_each_text_once(app, db):
    now = utcnow()
    fac = make_facilitator(db)
    sessions = [make_session(db, fac, f"S{i}", started_days_ago=500, ended_days_ago=499, now=now) for i in range(4)]
    db.commit()
    factory = app.extensions["reflect.store"].session_factory
    reports, errors = [], []
    barrier = threading.Barrier(3)

    def worker():
        session = factory()
        try:
            barrier.wait()
            reports.append(retention.purge_expired(session, now, 365))
            session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            session.rollback()
        finally:
            session.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    total = sum(reports, PurgeReport())
    assert total == PurgeReport(4, 12, 4, 8)
    db.expire_all()
    assert all(all_text_gone(texts_of(db, s)) for s in sessions)
    targets = db.scalars(select(AuditEvent.target).where(AuditEvent.action == "purge")).all()
    assert sorted(targets) == sorted(f"session:{s.id}" for s in sessions)


def test_the_hourly_job_purges_commits_and_logs_counts_only(app, db, three_sessions, caplog):
    from reflect.rooms import jobs, scheduler

    assert scheduler.Job(3600, jobs.purge_expired_text, each_process=False) in jobs.JOBS
    _fac, old, recent, _running = three_sessions
    app.config["REFLECT_RETENTION_DAYS"] = 5

    def scheduled():  # as the scheduler runs it: its own thread, its own app context
        with app.app_context():
            jobs.purge_expired_text(app, None)

    with caplog.at_level(logging.INFO, logger="reflect.retention"):
        thread = threading.Thread(target=scheduled)
        thread.start()
        thread.join(60)
    db.expire_all()
    assert all_text_gone(texts_of(db, old)) and all_text_gone(texts_of(db, recent))
    assert "2 sessions (6 answers, 2 notes, 4 check-in feelings)" in caplog.text
    assert "OLD" not in caplog.text and "RECENT" not in caplog.text


def test_the_purge_command_prints_counts_and_dry_run_changes_nothing(app, db, three_sessions):
    _fac, old, recent, _running = three_sessions
    runner = app.test_cli_runner()

    dry = runner.invoke(purge_command, ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would purge 1 sessions: 3 answers and takeaways, 1 notes, 2 check-in feelings" in dry.output
    db.expire_all()
    assert text_count(texts_of(db, old)) == 6

    done = runner.invoke(purge_command, ["--days", "5"])
    assert done.exit_code == 0, done.output
    assert "Purged 2 sessions: 6 answers and takeaways, 2 notes, 4 check-in feelings" in done.output
    assert "OLD" not in done.output and "RECENT" not in done.output
    db.expire_all()
    assert all_text_gone(texts_of(db, old)) and all_text_gone(texts_of(db, recent))
    assert "Purged 0 sessions" in runner.invoke(purge_command, ["--days", "5"]).output
    assert runner.invoke(purge_command, ["--days", "0"]).exit_code != 0
