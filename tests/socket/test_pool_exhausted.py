"""Every database connection in use: a brief, clear refusal, never a long wait or a 500.

The app runs with a pool of one connection (and the five more on demand every pool has)
and a short wait; the test takes all six from the app's own engine, as slow transactions
would. Then a page answers 503 with ``Retry-After`` in the reader's language, a socket
command answers ``busy`` (and, sent again with its id once a connection is free, applies
once), a socket's connection is refused as ``busy``, a scheduled job skips its beat, and
all of it is logged once for the outage, and once more when it ends.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from reflect.db import get_session, pool_overflow
from reflect.errors import RETRY_AFTER_SECONDS
from reflect.extensions import limiter, socketio
from reflect.models import Participant
from reflect.rooms import jobs, scheduler
from tests.conftest import make_test_app
from tests.helpers import csrf
from tests.socket.conftest import cmd

POOL_SIZE, POOL_TIMEOUT = 1, 0.3


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance", REFLECT_DATABASE_POOL_SIZE=POOL_SIZE,
                        REFLECT_DATABASE_POOL_TIMEOUT=POOL_TIMEOUT)
    limiter.reset()
    with app.app_context():
        from reflect.rooms.notes import seed_theme_tags

        db = get_session()
        seed_theme_tags(db)
        db.commit()
    yield app
    app.extensions["reflect.store"].engine.dispose()


@contextmanager
def every_connection_taken(app):
    engine = app.extensions["reflect.store"].engine
    held = [engine.connect() for _ in range(POOL_SIZE + pool_overflow(POOL_SIZE))]
    try:
        yield
    finally:
        for conn in held:
            conn.close()


def _pool_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "reflect.db"]


def _participants(app) -> int:
    with app.app_context():
        db = get_session()
        try:
            return db.scalar(select(func.count()).select_from(Participant))
        finally:
            db.rollback()


def test_pages_answer_503_with_retry_after_in_the_readers_language(live, caplog):
    app = live.app
    client = app.test_client()
    token = csrf(client, "/join")
    before = _participants(app)
    with caplog.at_level(logging.WARNING, logger="reflect.db"), every_connection_taken(app):
        for lang, words in (("en", "The server is busy just now"), ("es", "El servidor está ocupado")):
            response = client.post("/join", data={"code": live.code, "csrf_token": token},
                                   headers={"Accept-Language": lang})
            assert response.status_code == 503
            # (on a rate-limited route Flask-Limiter rewrites it as seconds from now, rounded
            # down, or its window's end if later)
            assert int(response.headers["Retry-After"]) >= RETRY_AFTER_SECONDS - 1
            assert words in response.get_data(as_text=True)
        response = live.facilitator_client.get("/facilitate")  # signed in: its account is read first
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert len(_pool_lines(caplog)) == 1, _pool_lines(caplog)  # one line for the outage
    assert _participants(app) == before
    with caplog.at_level(logging.WARNING, logger="reflect.db"):
        response = client.post("/join", data={"code": live.code, "csrf_token": token})
    assert response.status_code == 302
    assert "available again" in _pool_lines(caplog)[-1]


def test_a_socket_command_answers_busy_and_applies_once_when_sent_again(live, caplog):
    phone = live.phone()
    phone.get_received("/phone")
    second = live.join()  # a phone that joined, and connects during the outage
    with caplog.at_level(logging.WARNING, logger="reflect.db"), every_connection_taken(live.app):
        busy = cmd(phone, "/phone", "hand", raised=True, cid="hand-during-the-outage")
        busy_again = cmd(phone, "/phone", "hand", raised=True, cid="hand-during-the-outage")
        assert phone.emit("sync", {}, namespace="/phone", callback=True)["error"]["code"] == "busy"
        refused = socketio.test_client(live.app, namespace="/phone", flask_test_client=second)
    assert busy["ok"] is False and busy["error"]["code"] == "busy", busy
    assert busy["error"]["message"] == "The server is busy just now. Nothing was saved; try again in a moment."
    assert busy_again["error"]["code"] == "busy"
    assert not refused.is_connected("/phone")  # the page connects again a moment later
    assert len([m for m in _pool_lines(caplog) if "unavailable" in m]) == 1, _pool_lines(caplog)

    done = cmd(phone, "/phone", "hand", raised=True, cid="hand-during-the-outage")
    assert done["ok"], done
    again = cmd(phone, "/phone", "hand", raised=True, cid="hand-during-the-outage")
    assert again == done  # the stored acknowledgement: applied once
    with live.app.app_context():
        db = get_session()
        raised = db.scalar(select(func.count()).select_from(Participant).where(Participant.hand_raised_at.is_not(None)))
        db.rollback()
    assert raised == 1


def test_a_scheduled_job_skips_its_beat_and_logs_once(live, caplog):
    heartbeat = next(job for job in jobs.JOBS if job.run is jobs.presence_heartbeat)
    with caplog.at_level(logging.INFO):
        with every_connection_taken(live.app):
            assert scheduler.run_once(live.app, heartbeat, None) is None
            assert scheduler.run_once(live.app, heartbeat, None) is None
        lines = _pool_lines(caplog)
        assert len(lines) == 1 and "scheduled job presence_heartbeat" in lines[0], lines
        assert not [r for r in caplog.records if r.name == "reflect.scheduler"]
        assert scheduler.run_once(live.app, heartbeat, None) is not None  # the next beat runs
    assert "available again after 2 failed attempts" in _pool_lines(caplog)[-1]
