"""``reflect backup`` against a running server (eventlet and gevent), and a restore from it."""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from reflect.auth import accounts
from reflect.db import make_engine, utcnow
from reflect.models import Answer, AuditEvent, Group, GroupSession
from tests.servers import prepared_server

PASSWORD = "a long enough password"


def insert_sessions(database_url: str, count: int) -> list[int]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            user = accounts.create_user(db, email="fac@example.org", role="facilitator", password=PASSWORD)
            group = Group(name="Thursday group", facilitator_id=user.id)
            db.add(group)
            db.flush()
            ids = []
            for i in range(count):
                session = GroupSession(group_id=group.id, facilitator_id=user.id, deck_id="use-of-self",
                                       title=f"Session {i}", phase="ended", started_at=utcnow(), ended_at=utcnow())
                db.add(session)
                db.flush()
                db.add(Answer(id=uuid.uuid4().hex, session_id=session.id, audience="group", text=f"answer {i}"))
                ids.append(session.id)
            db.commit()
            return ids
    finally:
        engine.dispose()


def session_ids(database_url: str) -> list[int]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            return list(db.scalars(select(GroupSession.id).order_by(GroupSession.id)))
    finally:
        engine.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    return urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def fetch(opener, url, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        return opener.open(url, data=body, timeout=10)
    except urllib.error.HTTPError as err:
        return err


def test_backup_while_the_server_runs_and_restore_from_it(live_server, tmp_path):
    ids = insert_sessions(live_server.database_url, 5)
    target = tmp_path / "backups" / "reflect-backup.db"
    target.parent.mkdir()

    done = live_server.cli("backup", str(target))
    assert done.returncode == 0, done.stderr
    assert "(5 sessions)" in done.stdout
    assert live_server.process.poll() is None  # the server went on running
    assert fetch(browser(), live_server.url + "/login").status == 200

    backup_url = f"sqlite:///{target}"
    assert session_ids(backup_url) == ids
    refused = live_server.cli("backup", str(target))
    assert refused.returncode != 0 and "--force" in refused.stderr

    engine = make_engine(live_server.database_url)
    with Session(engine) as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "backup"))
        assert event.target == "database" and event.detail["path"] == str(target)
    engine.dispose()

    # Restore: a second server on the backup file (docs/operations.md: point
    # REFLECT_DATABASE_URL at it, `reflect db upgrade`, start).
    restored = prepared_server(live_server.mode, tmp_path / "restored", database_url=backup_url).start()
    try:
        opener = browser()
        page = fetch(opener, restored.url + "/login")
        assert page.status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
        signed_in = fetch(opener, restored.url + "/login",
                          {"csrf_token": token, "email": "fac@example.org", "password": PASSWORD})
        assert signed_in.status == 302 and "/login" not in signed_in.headers["Location"]
        assert fetch(browser(), restored.url + "/").headers["Location"].endswith("/login")  # not first run
        assert session_ids(backup_url) == ids
    finally:
        restored.stop()
