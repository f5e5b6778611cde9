"""``reflect backup``: a consistent copy of SQLite taken while another connection writes,
and a pg_dump file of PostgreSQL that pg_restore accepts (and restores)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from reflect import backup, migrate
from reflect.db import make_engine, utcnow
from reflect.models import Answer, AuditEvent, Group, GroupSession, User
from reflect.ops_cli import backup_command
from tests.conftest import make_test_app
from tests.servers import PG_ADMIN_URL, pg_url

ANSWERS_PER_SESSION = 3


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "live.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def seed_owner(db: Session) -> tuple[int, int]:
    user = User(email=f"{uuid.uuid4().hex[:8]}@example.org", role="facilitator")
    db.add(user)
    db.flush()
    group = Group(name="Tuesday group", facilitator_id=user.id)
    db.add(group)
    db.flush()
    return user.id, group.id


def add_session(db: Session, owner: tuple[int, int], title: str) -> int:
    """One session with its answers, in the caller's transaction."""
    user_id, group_id = owner
    session = GroupSession(group_id=group_id, facilitator_id=user_id, deck_id="use-of-self", title=title,
                           phase="ended", started_at=utcnow(), ended_at=utcnow())
    db.add(session)
    db.flush()
    db.add_all(Answer(id=uuid.uuid4().hex, session_id=session.id, audience="group", text=f"{title} answer {i}")
               for i in range(ANSWERS_PER_SESSION))
    return session.id


def sessions_in(url: str) -> dict[int, int]:
    """Every session in the database at ``url`` with its number of answers."""
    engine = create_engine(url)
    try:
        with Session(engine) as db:
            rows = db.execute(
                select(GroupSession.id, func.count(Answer.id))
                .outerjoin(Answer, Answer.session_id == GroupSession.id)
                .group_by(GroupSession.id)
            ).all()
            return dict(rows)
    finally:
        engine.dispose()


def test_a_sqlite_backup_taken_while_another_connection_writes_is_consistent(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)  # WAL, as the server uses it
    with Session(engine) as db:
        owner = seed_owner(db)
        before = [add_session(db, owner, f"before {i}") for i in range(300)]
        db.commit()

    stop, written, errors = threading.Event(), [], []

    def writer():
        try:
            with Session(engine) as db:
                while not stop.is_set():
                    written.append(add_session(db, owner, f"during {len(written)}"))
                    db.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5 and thread.is_alive():
            stop.wait(0.01)
        target = tmp_path / "copies" / "reflect-backup.db"
        target.parent.mkdir()
        result = backup.backup(sqlite_url, target)
        after = len(written)
        while len(written) < after + 5 and thread.is_alive():  # and it goes on writing after
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(60)
    engine.dispose()
    assert errors == []

    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    copy.close()
    in_copy = sessions_in(f"sqlite:///{target}")
    assert set(before) <= set(in_copy)  # every session committed before the backup
    assert set(in_copy.values()) == {ANSWERS_PER_SESSION}  # no half-written transaction
    assert sorted(in_copy) == list(range(1, len(in_copy) + 1))  # one moment: a prefix of the history
    assert result.sessions == len(in_copy) < len(sessions_in(sqlite_url))
    assert (target.stat().st_mode & 0o777) == 0o600
    assert os.listdir(target.parent) == [target.name]  # no partial file left behind


def test_a_backup_never_replaces_a_file_unless_forced_nor_the_live_database(sqlite_url, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("something precious")
    with pytest.raises(backup.BackupError) as err:
        backup.backup(sqlite_url, target)
    assert err.value.code == "exists" and target.read_text() == "something precious"

    backup.backup(sqlite_url, target, force=True)
    assert sqlite3.connect(target).execute("PRAGMA quick_check").fetchone()[0] == "ok"

    live = Path(sqlite_url.removeprefix("sqlite:///"))
    with pytest.raises(backup.BackupError) as err:
        backup.backup(sqlite_url, live, force=True)
    assert err.value.code == "same_file"
    with pytest.raises(backup.BackupError) as err:
        backup.backup(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path / "other.db")
    assert err.value.code == "no_database" and not (tmp_path / "missing.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_backup_command_copies_sqlite_and_audits_it(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path / "instance")
    engine = make_engine(sqlite_url)
    with Session(engine) as db:
        owner = seed_owner(db)
        ids = [add_session(db, owner, f"s{i}") for i in range(3)]
        db.commit()
    target = tmp_path / "reflect-backup.db"
    runner = app.test_cli_runner()

    done = runner.invoke(backup_command, [str(target)])
    assert done.exit_code == 0, done.output
    assert f"to {target} (3 sessions)" in done.output
    assert sorted(sessions_in(f"sqlite:///{target}")) == ids

    again = runner.invoke(backup_command, [str(target)])
    assert again.exit_code != 0 and "--force" in again.output
    assert runner.invoke(backup_command, [str(target), "--force"]).exit_code == 0

    with Session(engine) as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "backup")).all()
    engine.dispose()
    app.extensions["reflect.store"].engine.dispose()
    assert len(events) == 2
    assert events[0].actor_id is None and events[0].target == "database"
    assert events[0].detail["backend"] == "sqlite" and events[0].detail["path"] == str(target)
    assert events[0].detail["sessions"] == 3


@pytest.fixture
def fresh_pg():
    """A new PostgreSQL database (migrated), dropped afterwards; plus a factory for empty ones."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = []

    def create(migrated: bool) -> str:
        name = f"reflect_backup_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        if migrated:
            migrate.upgrade(pg_url(name))
        return pg_url(name)

    yield create
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_postgresql_backup_is_a_pg_dump_file_that_pg_restore_accepts(fresh_pg, tmp_path):
    url = fresh_pg(migrated=True)
    engine = create_engine(url)
    with Session(engine) as db:
        owner = seed_owner(db)
        ids = [add_session(db, owner, f"pg {i}") for i in range(4)]
        db.commit()
    engine.dispose()
    app = make_test_app(url, tmp_path / "instance")
    target = tmp_path / "reflect.dump"

    done = app.test_cli_runner().invoke(backup_command, [str(target)])
    app.extensions["reflect.store"].engine.dispose()
    assert done.exit_code == 0, done.output
    assert "Backed up the postgresql database" in done.output
    assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert "TABLE public group_sessions" in listing.stdout and "TABLE DATA public answers" in listing.stdout

    restored = fresh_pg(migrated=False)  # as in docs/operations.md: createdb, then pg_restore
    libpq = backup.libpq_url(restored)[0]
    done = subprocess.run(["pg_restore", "--no-owner", "--dbname", libpq, str(target)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sessions_in(restored) == {i: ANSWERS_PER_SESSION for i in ids}
    with Session(create_engine(url)) as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "backup"))
        assert event.detail["backend"] == "postgresql" and event.detail["path"] == str(target)
        db.get_bind().dispose()


def test_without_pg_dump_the_exact_command_is_printed_and_the_exit_status_is_1(tmp_path, monkeypatch):
    url = "postgresql://reflect:s3cret-pw@db.example.org:5433/reflect"
    app = make_test_app(url, tmp_path / "instance")
    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    target = tmp_path / "reflect.dump"

    done = app.test_cli_runner().invoke(backup_command, [str(target)])
    assert done.exit_code == 1
    assert (f"pg_dump --format=custom --file {target} postgresql://reflect@db.example.org:5433/reflect"
            in done.output)
    assert "+psycopg2" not in done.output and "s3cret-pw" not in done.output
    assert "PGPASSWORD" in done.output
    assert not target.exists()
    # When pg_dump runs, the password travels in PGPASSWORD, never on its command line.
    assert backup.libpq_url("postgresql+psycopg2://u:Pw-9x7@h:5432/db") == ("postgresql://u@h:5432/db", "Pw-9x7")
    assert "Pw-9x7" not in " ".join(backup.pg_dump_command("postgresql+psycopg2://u:Pw-9x7@h:5432/db", target))
