"""A command-line unit of work that reads, then writes, takes SQLite's write lock before
its first read: a running server that writes in between (here while the new account's
password is hashed) cannot make the command's insert fail at once with "database is
locked" (its read snapshot gone stale), and has to wait for the command instead."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import make_url, select

from reflect.auth import accounts
from reflect.cli import create_user_command
from reflect.db import get_session
from reflect.models import User


@pytest.fixture
def backend():
    """Pins ``database_url`` to SQLite (tests/conftest.py): PostgreSQL has no such lock."""
    return "sqlite"


def test_create_user_is_not_undone_by_a_server_writing_while_the_password_is_hashed(app, backend, database_url,
                                                                                    monkeypatch):
    server = sqlite3.connect(make_url(database_url).database, timeout=0.2, isolation_level=None)
    wrote: list[bool] = []
    hash_password = accounts.hash_password

    def hash_while_the_server_writes(password: str) -> str:
        try:
            server.execute("CREATE TABLE server_wrote (x INTEGER)")
            wrote.append(True)
        except sqlite3.OperationalError:  # the command holds the write lock: the server waits
            wrote.append(False)
        return hash_password(password)

    monkeypatch.setattr(accounts, "hash_password", hash_while_the_server_writes)
    result = app.test_cli_runner().invoke(
        create_user_command, ["--email", "fac@example.org", "--role", "facilitator", "--password-stdin"],
        input="correct horse battery\n")
    server.close()
    assert result.exit_code == 0, result.output
    assert wrote == [False]
    with app.app_context():
        assert get_session().scalars(select(User.email)).all() == ["fac@example.org"]
