"""Shared fixtures for every tier.

Apps run against a real SQLite file and against the machine's PostgreSQL: the
``app`` fixture is parametrised over both. A prerequisite that is missing makes
the run fail, never skip.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from reflect import create_app
from reflect import migrate
from reflect.auth import accounts
from reflect.db import Base
from tests.browsers import _playwright, browser, new_page, server  # noqa: F401  (shared browser fixtures)
from tests.servers import PG_ADMIN_URL, pg_url

# The product hashes passwords with argon2id at the library's defaults: 3 passes over 64 MiB
# in 4 lanes, about a tenth of a second for each hash and each check on a test machine. The
# in-process tests sign accounts in thousands of times, so here passwords are hashed with
# argon2id at its smallest cost: a wrong password is still refused, a hash is still argon2id.
# tests/unit/test_accounts.py checks the product's own parameters (PRODUCT_HASHER). Servers
# the live and browser tiers start run the product's hasher.
PRODUCT_HASHER = accounts._hasher
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
accounts._DUMMY_HASH = accounts._hasher.hash("reflect-timing-equaliser")

BACKENDS = [b for b in os.environ.get("REFLECT_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this run, migrated once, dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"reflect_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a missing prerequisite fails the run
        pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URL} (set REFLECT_TEST_PG_URL): {exc}", pytrace=False)
    url = pg_url(name)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(request, tmp_path, sqlite_template) -> str:
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        url = request.getfixturevalue("pg_database")
        _truncate_pg(url)
        return url
    path = tmp_path / "reflect.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def pytest_generate_tests(metafunc):
    """Every test that uses the database runs on SQLite and on PostgreSQL."""
    if "database_url" in metafunc.fixturenames and "backend" not in metafunc.fixturenames:
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


def make_test_app(database_url: str, instance_path: Path, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "REFLECT_DATABASE_URL": database_url,
        "REFLECT_ASYNC_MODE": "threading",
        "REFLECT_SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "RATELIMIT_ENABLED": True,
        # in-process tests read what was sent right after each event: updates are not
        # held back (tests/socket/test_update_interval.py covers the interval)
        "REFLECT_UPDATE_INTERVAL_MS": 0,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance")
    from reflect.extensions import limiter

    limiter.reset()
    with app.app_context():
        from reflect.db import get_session
        from reflect.rooms.notes import seed_theme_tags

        db = get_session()
        seed_theme_tags(db)
        db.commit()
    yield app
    app.extensions["reflect.store"].engine.dispose()


@pytest.fixture
def db(app):
    from reflect.db import get_session

    with app.app_context():
        session = get_session()
        yield session
        session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()
