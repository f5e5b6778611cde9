"""PostgreSQL's connections begin their transactions themselves (``BEGIN`` sent with the
first statement, ``reflect.postgresql_connection``): what SQLAlchemy asks of a
transaction still holds, seen from another connection as a reader would see it."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from reflect.db import make_engine


@pytest.fixture
def engines(pg_database):
    ours = make_engine(pg_database, pool_size=2)
    other = create_engine(pg_database)  # psycopg2's own connections, as an outside reader
    with other.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS begin_probe"))
        conn.execute(text("CREATE TABLE begin_probe (n integer PRIMARY KEY)"))
    yield ours, other
    with other.begin() as conn:
        conn.execute(text("DROP TABLE begin_probe"))
    ours.dispose()
    other.dispose()


def _seen(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT n FROM begin_probe ORDER BY n")).scalars())


def test_a_write_is_seen_by_no_one_else_until_its_commit_and_a_rollback_leaves_nothing(engines):
    ours, other = engines
    with ours.connect() as conn:
        conn.execute(text("INSERT INTO begin_probe VALUES (1)"))
        assert _seen(other) == []  # inside a transaction, not written on its own
        conn.commit()
    assert _seen(other) == [1]
    with ours.connect() as conn:
        conn.execute(text("INSERT INTO begin_probe VALUES (2)"))
        conn.rollback()
    assert _seen(other) == [1]


def test_a_unit_that_fails_at_its_first_statement_leaves_the_connection_ready_for_the_next(engines):
    ours, other = engines
    with pytest.raises(ProgrammingError):
        with ours.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))
    with ours.begin() as conn:
        conn.execute(text("INSERT INTO begin_probe VALUES (3)"))
    assert _seen(other) == [3]


def test_a_row_locked_by_one_unit_is_locked_until_that_unit_ends(engines):
    ours, other = engines
    with other.begin() as conn:
        conn.execute(text("INSERT INTO begin_probe VALUES (4)"))
    with ours.connect() as conn:
        conn.execute(text("SELECT n FROM begin_probe WHERE n = 4 FOR UPDATE"))
        with other.connect() as reader:
            locked = reader.execute(text("SELECT n FROM begin_probe WHERE n = 4 FOR UPDATE SKIP LOCKED")).all()
        assert locked == []  # the lock is the transaction's, still held
        conn.rollback()
    with other.connect() as reader:
        assert reader.execute(text("SELECT n FROM begin_probe WHERE n = 4 FOR UPDATE SKIP LOCKED")).all() == [(4,)]


def test_repeatable_read_keeps_its_snapshot_and_autocommit_writes_at_once(engines):
    ours, other = engines
    with ours.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        assert conn.execute(text("SELECT count(*) FROM begin_probe")).scalar() == 0
        with other.begin() as writer:
            writer.execute(text("INSERT INTO begin_probe VALUES (5)"))
        assert conn.execute(text("SELECT count(*) FROM begin_probe")).scalar() == 0
        conn.rollback()
    with ours.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("INSERT INTO begin_probe VALUES (6)"))
        assert _seen(other) == [5, 6]
    # back in the pool at READ COMMITTED: the next unit is a transaction again
    with ours.connect() as conn:
        conn.execute(text("INSERT INTO begin_probe VALUES (7)"))
        assert _seen(other) == [5, 6]
        conn.commit()
    assert _seen(other) == [5, 6, 7]
