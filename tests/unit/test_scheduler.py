"""Periodic jobs run once for all server processes, not once per process: each process
wakes at the job's period, and only the one that moves the job's row on runs it. Two
apps on one database stand for two processes (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from reflect.db import get_session, utcnow
from reflect.models import Participant
from reflect.rooms import participants, scheduler
from tests.conftest import make_test_app


@pytest.fixture
def two_processes(app, database_url, tmp_path):
    other = make_test_app(database_url, tmp_path / "other")
    yield app, other
    other.extensions["reflect.store"].engine.dispose()


def _claim(app, name, seconds, now):
    with app.app_context():
        return scheduler.claim(get_session(), name, seconds, now)


def test_a_job_is_run_by_one_process_per_period(two_processes):
    a, b = two_processes
    t0 = utcnow()
    assert _claim(a, "sweep", 15, t0) == scheduler.Claim(previous=None)  # its first run anywhere
    assert _claim(b, "sweep", 15, t0 + timedelta(seconds=1)) is None  # run already, by a
    assert _claim(a, "sweep", 15, t0 + timedelta(seconds=5)) is None
    # a period later, whichever process wakes first runs it, told when it last ran
    assert _claim(b, "sweep", 15, t0 + timedelta(seconds=15)) == scheduler.Claim(previous=t0)
    assert _claim(a, "sweep", 15, t0 + timedelta(seconds=15, milliseconds=1)) is None
    # a job of its own: not held back by another job's row
    assert _claim(a, "retention", 3600, t0 + timedelta(seconds=15)) == scheduler.Claim(previous=None)


def test_processes_waking_together_run_a_due_job_once(two_processes, database_url, tmp_path):
    a, b = two_processes
    t0 = utcnow()
    assert _claim(a, "grace", 5, t0) is not None
    apps = [a, b, make_test_app(database_url, tmp_path / "third")]
    due = t0 + timedelta(seconds=5)
    won, errors = [], []
    start = threading.Barrier(len(apps))

    def wake(app):
        try:
            start.wait(10)
            won.append(_claim(app, "grace", 5, due))
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=wake, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    apps[2].extensions["reflect.store"].engine.dispose()
    assert errors == []
    assert [claim for claim in won if claim is not None] == [scheduler.Claim(previous=t0)]


def test_a_job_of_each_process_runs_in_every_process_and_others_once(two_processes):
    a, b = two_processes
    ran: list[tuple[str, object]] = []

    def heartbeat(app, previous):
        ran.append(("heartbeat", app))

    def sweep(app, previous):
        ran.append(("sweep", app))

    own = scheduler.Job(10, heartbeat, each_process=True)
    shared = scheduler.Job(15, sweep, each_process=False)
    for app in (a, b):
        assert scheduler.run_due(app, own, None) is not None
        scheduler.run_due(app, shared, None)
    assert ran == [("heartbeat", a), ("sweep", a), ("heartbeat", b)]


def test_the_live_jobs_are_registered_once_for_all_but_the_heartbeat():
    import reflect.rooms.jobs as jobs

    registered = {job.run: job for job in jobs.JOBS}
    assert registered[jobs.presence_heartbeat].each_process
    for shared in (jobs.sweep_crashed_sockets, jobs.announce_grace_expiry, jobs.purge_expired_text):
        assert not registered[shared].each_process


def test_grace_expiry_is_announced_for_every_grace_period_ended_since_the_previous_run(live_session_ids):
    app, session_id, participant_id = live_session_ids
    grace = timedelta(seconds=20)
    now = utcnow()
    with app.app_context():
        db = get_session()
        db.get(Participant, participant_id).disconnected_at = now - grace - timedelta(seconds=7)  # ended 7 s ago
        db.commit()
        # runs 5 s apart would miss it if one was skipped; the window starts at the previous run
        assert participants.sessions_with_grace_ending(db, grace, now - timedelta(seconds=10), now) == {session_id}
        assert participants.sessions_with_grace_ending(db, grace, now - timedelta(seconds=5), now) == set()
        assert participants.sessions_with_grace_ending(db, grace, now - timedelta(seconds=10),
                                                       now - timedelta(seconds=8)) == set()  # not ended yet then


@pytest.fixture
def live_session_ids(app):
    """A session with one joined participant: (app, session id, participant id)."""
    from reflect.models import User
    from reflect.prompts import get_builtin
    from reflect.rooms import groups, lifecycle
    from reflect.auth import accounts

    with app.app_context():
        db = get_session()
        user = accounts.create_user(db, email="fac@example.org", role="facilitator", password="a long enough password")
        db.flush()
        group = groups.create_group(db, db.get(User, user.id), "Tuesday group", [])
        session = lifecycle.create_session(db, user, group, get_builtin("multiple-perspectives"), title="Tuesday")
        db.flush()
        participant = Participant(session_id=session.id, token_hash="t" * 64, status="admitted", locale="en")
        db.add(participant)
        db.commit()
        return app, session.id, participant.id
