"""reflect.pg_connection: psycopg2's transactions, begun by the first statement's own
message and ended by the COMMIT's, behave as psycopg2's own: all or nothing, at the
isolation level asked for, in autocommit when asked. Statements marked for it are
prepared once per connection and give what they would unprepared."""
from __future__ import annotations

from datetime import datetime

import psycopg2
import pytest
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session

from reflect import pg_connection
from reflect.compiled_statements import CompiledStatement
from reflect.db import PREPARED_OPTION, begin_reads, make_engine
from reflect.pg_connection import Connection


@pytest.fixture
def engine(pg_database):
    engine = make_engine(pg_database, pool_size=1)
    yield engine
    engine.dispose()


def _last_query(pg_database, pid: int) -> tuple[str, str]:
    watcher = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with watcher.connect() as conn:
        row = conn.execute(text("SELECT query, state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).one()
    watcher.dispose()
    return row.query, row.state


def _with_commit(db: Session, sql: str, params: dict | None = None) -> None:
    """``sql`` sent with the unit of work's ``COMMIT``, as reflect's code sends one."""
    CompiledStatement(text(sql), prepared=False).with_commit(db, params or {})


def _after_commit(db: Session, sql: str, params: dict | None = None) -> list:
    return CompiledStatement(text(sql), prepared=False).after_commit(db, params or {})


def test_the_first_statement_carries_the_begin_and_the_transaction_is_all_or_nothing(engine, pg_database):
    with Session(engine) as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
        assert _last_query(pg_database, pid) == ("BEGIN;SELECT pg_backend_pid()", "idle in transaction")
        db.execute(text("CREATE TEMPORARY TABLE t (x int)"))
        db.execute(text("INSERT INTO t VALUES (1)"))
        db.rollback()
        assert _last_query(pg_database, pid)[0] == "ROLLBACK"
        assert db.execute(text("SELECT to_regclass('pg_temp.t')")).scalar() is None  # both statements undone


def test_a_write_sent_with_the_commit_lands_with_it(engine, pg_database):
    with Session(engine) as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
        db.execute(text("CREATE TEMPORARY TABLE t (x int PRIMARY KEY)"))
        db.commit()
        _with_commit(db, "INSERT INTO t VALUES (:x)", {"x": 7})
        assert _last_query(pg_database, pid)[0] == "COMMIT"  # not sent yet
        db.commit()
        assert _last_query(pg_database, pid) == ("BEGIN;INSERT INTO t VALUES (7);COMMIT", "idle")
        assert db.execute(text("SELECT array_agg(x) FROM t")).scalar() == [7]


def test_a_write_sent_with_the_commit_that_fails_fails_the_commit_and_leaves_nothing(engine):
    with Session(engine) as db:
        db.execute(text("CREATE TEMPORARY TABLE t (x int PRIMARY KEY)"))
        db.execute(text("INSERT INTO t VALUES (1)"))
        db.commit()
        db.execute(text("INSERT INTO t VALUES (2)"))
        _with_commit(db, "INSERT INTO t VALUES (1)")
        raw = db.connection().connection.dbapi_connection
        with pytest.raises(IntegrityError):
            db.commit()
        # as psycopg2's failed commit: no transaction is left open on the connection
        assert raw.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        db.rollback()
        assert db.execute(text("SELECT array_agg(x) FROM t")).scalar() == [1]  # the 2 went with the failed commit


def test_a_rolled_back_unit_does_not_send_its_write_left_for_the_commit(engine):
    with Session(engine) as db:
        db.execute(text("CREATE TEMPORARY TABLE t (x int)"))
        db.commit()
        _with_commit(db, "INSERT INTO t VALUES (3)")
        db.rollback()
        db.execute(text("SELECT 1"))
        db.commit()
        assert db.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_a_unit_that_only_reads_runs_without_a_transaction_and_its_writes_at_once(engine, pg_database):
    with Session(engine) as db:
        begin_reads(db)
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
        assert _last_query(pg_database, pid) == ("SELECT pg_backend_pid()", "idle")
        db.execute(text("CREATE TEMPORARY TABLE t (x int)"))
        _with_commit(db, "INSERT INTO t VALUES (4)")
        assert _last_query(pg_database, pid) == ("INSERT INTO t VALUES (4)", "idle")


def test_a_read_after_the_commit_travels_with_it_and_sees_what_it_committed(engine, pg_database):
    with Session(engine) as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
        db.execute(text("CREATE TEMPORARY TABLE t (x int PRIMARY KEY, label text)"))
        db.commit()
        _with_commit(db, "INSERT INTO t VALUES (:x, :label)", {"x": 5, "label": "it's five"})
        rows = _after_commit(db, "SELECT x, label FROM t WHERE x >= :least ORDER BY x", {"least": 1})
        assert rows == []  # nothing is sent before the commit
        assert _last_query(pg_database, pid)[0] == "COMMIT"
        db.commit()
        assert _last_query(pg_database, pid) == (
            "BEGIN;INSERT INTO t VALUES (5, 'it''s five');COMMIT;SELECT x, label FROM t WHERE x >= 1 ORDER BY x", "idle")
        assert [(row.x, row.label) for row in rows] == [(5, "it's five")]  # the insert committed, read by name


def test_a_read_after_a_failed_or_rolled_back_commit_is_not_run(engine):
    with Session(engine) as db:
        db.execute(text("CREATE TEMPORARY TABLE t (x int PRIMARY KEY)"))
        db.execute(text("INSERT INTO t VALUES (1)"))
        db.commit()
        _with_commit(db, "INSERT INTO t VALUES (1)")
        failed = _after_commit(db, "SELECT x FROM t")
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
        assert failed == []
        rolled_back = _after_commit(db, "SELECT x FROM t")
        db.rollback()
        db.execute(text("SELECT 1"))
        db.commit()
        assert rolled_back == []  # not sent with the next unit's commit either
        # the message returns its last statement's rows: one read per commit
        with pytest.raises(ProgrammingError, match="one read after the commit per transaction"):
            _after_commit(db, "SELECT 1 AS a")
            _after_commit(db, "SELECT 2 AS b")
        db.rollback()


def test_a_prepared_read_after_the_commit_and_one_in_a_unit_that_only_reads(engine, pg_database):
    query = CompiledStatement(text("SELECT CAST(:n AS int) * 2 AS twice"))
    with Session(engine) as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
        for n in (3, 4):
            rows = query.after_commit(db, {"n": n})
            db.commit()
            assert [row.twice for row in rows] == [n * 2]
        assert _last_query(pg_database, pid)[0] == "BEGIN;COMMIT;EXECUTE reflect_1(4)"
    with Session(engine) as db:
        begin_reads(db)  # no transaction: read at once
        assert [row.twice for row in query.after_commit(db, {"n": 5})] == [10]
        # a column whose name cannot name a field ("?column?") is named by its position
        assert _after_commit(db, "SELECT 1, 2 AS x") == [(1, 2)]


def test_an_isolation_level_asked_for_is_the_transaction_s(engine):
    with Session(engine) as db:
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        assert db.execute(text("SHOW transaction_isolation")).scalar() == "repeatable read"
        db.commit()
    with Session(engine) as db:  # the same connection, back at the default
        assert db.execute(text("SHOW transaction_isolation")).scalar() == "read committed"


def test_executemany_opens_the_transaction_before_its_statements(pg_database):
    raw = psycopg2.connect(pg_database.replace("postgresql+psycopg2", "postgresql"), connection_factory=Connection)
    try:
        cursor = raw.cursor()
        cursor.execute("CREATE TEMPORARY TABLE t (x int)")
        raw.commit()
        cursor.executemany("INSERT INTO t VALUES (%s)", [(1,), (2,)])
        assert raw.in_transaction()
        raw.rollback()
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (0,)
        with pytest.raises(psycopg2.ProgrammingError):
            raw.autocommit = True  # as psycopg2: not inside a transaction
        raw.rollback()
        with pytest.raises(psycopg2.NotSupportedError):
            raw.cursor("named")
    finally:
        raw.close()


def _prepared_statements(db) -> list[str]:
    return db.execute(text("SELECT statement FROM pg_prepared_statements ORDER BY name")).scalars().all()


# a repeated name, a literal "%", a quote, None, a time and a JSON value: each must reach
# PostgreSQL as it would unprepared
_ROUND_TRIP = text(
    "SELECT CAST(:a AS int) + CAST(:a AS int) AS twice, '100%' AS pct, CAST(:b AS text) AS b, "
    "CAST(:c AS text) IS NULL AS c_null, CAST(:d AS timestamp) AS d, CAST(:e AS jsonb) ->> 'k' AS e"
).execution_options(**{PREPARED_OPTION: True})


def test_a_statement_marked_prepared_is_prepared_once_and_gives_what_it_would_unprepared(engine, pg_database):
    values = {"a": 21, "b": "it's", "c": None, "d": datetime(2026, 12, 5, 13, 30, 1, 250000), "e": '{"k": "v"}'}
    with Session(engine) as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
        db.rollback()
        first = db.execute(_ROUND_TRIP, values).one()
        assert _last_query(pg_database, pid)[0].startswith("BEGIN;EXECUTE reflect_1(21, 'it''s', NULL, ")
        unprepared = db.execute(_ROUND_TRIP.execution_options(**{PREPARED_OPTION: False}), values).one()
        assert first == unprepared == (42, "100%", "it's", True, values["d"], "v")
        db.rollback()  # a prepared statement outlives a rollback: it is not prepared again
        assert db.execute(_ROUND_TRIP, {**values, "a": 1}).one().twice == 2
        statements = _prepared_statements(db)
        assert len(statements) == 1 and "$1 AS int) + CAST($1 AS int)" in statements[0], statements
        assert "'100%'" in statements[0], statements


def test_a_prepared_write_sent_with_the_commit_lands_with_it(engine, pg_database):
    insert = CompiledStatement(text("INSERT INTO t VALUES (:x)"))
    with Session(engine) as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar()
        db.execute(text("CREATE TEMPORARY TABLE t (x int PRIMARY KEY)"))
        db.commit()
        for x in (7, 8):
            insert.with_commit(db, {"x": x})
            db.commit()
            assert _last_query(pg_database, pid)[0] == f"BEGIN;EXECUTE reflect_1({x});COMMIT"
        assert db.execute(text("SELECT array_agg(x ORDER BY x) FROM t")).scalar() == [7, 8]


def test_past_the_limit_a_marked_statement_runs_unprepared(engine, monkeypatch):
    monkeypatch.setattr(pg_connection, "MAX_PREPARED", 2)
    with Session(engine) as db:
        for n in range(4):
            query = text(f"SELECT CAST(:n AS int) + {n}").execution_options(**{PREPARED_OPTION: True})
            assert db.execute(query, {"n": 10}).scalar() == 10 + n
        assert len(_prepared_statements(db)) == 2


def test_a_marked_orm_query_with_an_in_list_is_prepared_per_list_length(engine):
    query = text("SELECT count(*) FROM generate_series(1, 5) AS g WHERE g IN :ids").bindparams(
        bindparam("ids", expanding=True)).execution_options(**{PREPARED_OPTION: True})
    with Session(engine) as db:
        assert db.execute(query, {"ids": [1, 2]}).scalar() == 2
        assert db.execute(query, {"ids": [3, 4]}).scalar() == 2
        assert db.execute(query, {"ids": [1, 2, 9]}).scalar() == 2
        assert len(_prepared_statements(db)) == 2
