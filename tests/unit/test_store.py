"""The store: migrations match the models, SQLite runs in WAL mode with a busy timeout."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
import pytest
from sqlalchemy import create_engine, text

from reflect.db import Base, make_engine


def test_migrations_create_exactly_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diffs == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_anonymous_tables_have_no_rowid_on_sqlite(sqlite_template):
    engine = create_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as conn:
        for table in ("checkin_answers", "answers", "reactions", "checkin_marks", "response_marks"):
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
            assert "WITHOUT ROWID" in sql, table
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def _terminate(pg_database, pid: int) -> None:
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    admin.dispose()


def test_a_pooled_postgresql_connection_idle_past_the_limit_is_checked_and_replaced_when_dropped(pg_database):
    engine = make_engine(pg_database, pool_size=1, ping_after_idle=0.0)
    first = _backend_pid(engine)  # back in the pool now
    _terminate(pg_database, first)
    # checked at checkout, found dead, replaced: the query after the drop succeeds
    assert _backend_pid(engine) != first
    engine.dispose()


def test_a_pooled_postgresql_connection_used_within_the_limit_is_handed_out_unchecked(pg_database):
    """No round trip for a connection in steady use; a drop within the limit costs one
    failed unit of work (the pool then replaces the connection), not every later one."""
    from sqlalchemy.exc import OperationalError

    engine = make_engine(pg_database, pool_size=1, ping_after_idle=3600.0)
    first = _backend_pid(engine)
    _terminate(pg_database, first)
    with pytest.raises(OperationalError):
        _backend_pid(engine)
    assert _backend_pid(engine) != first
    engine.dispose()


def test_a_sqlite_file_keeps_its_pool_full_sized(tmp_path):
    """Connections a burst opened are kept for the next one, not closed on return."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", pool_size=12)
    connections = [engine.connect() for _ in range(12)]
    for connection in connections:
        connection.close()
    assert engine.pool.checkedin() == 12
    engine.dispose()


def test_a_unit_of_work_after_one_that_only_read_writes_in_a_transaction_again(pg_database):
    """``begin_reads`` runs a unit's reads without a transaction on PostgreSQL; the pooled
    connection goes back with its isolation level reset, so the next unit of work on it
    (here the same connection: a pool of one) is a transaction, all or nothing."""
    from sqlalchemy.orm import sessionmaker

    from reflect.db import begin_reads

    engine = make_engine(pg_database, pool_size=1)
    factory = sessionmaker(engine)
    reader = factory()
    begin_reads(reader)
    reader.execute(text("SELECT 1"))
    read_pid = reader.execute(text("SELECT pg_backend_pid()")).scalar()
    assert reader.connection().connection.dbapi_connection.autocommit is True
    assert reader.execute(text("SELECT now() = statement_timestamp()")).scalar() is True  # no transaction
    reader.close()

    writer = factory()
    assert writer.execute(text("SELECT pg_backend_pid()")).scalar() == read_pid  # the same connection
    assert writer.connection().connection.dbapi_connection.autocommit is False
    writer.execute(text("CREATE TEMPORARY TABLE t (x int)"))
    writer.execute(text("INSERT INTO t VALUES (1)"))
    writer.rollback()
    with pytest.raises(Exception, match="does not exist"):
        writer.execute(text("SELECT x FROM t"))  # rolled back: both statements were one transaction
    writer.close()
    engine.dispose()


def test_after_a_burst_the_pool_hands_out_the_connection_returned_last(database_url):
    """A burst (phones joining) fills the pool with connections; afterwards each unit of
    work gets the connection returned last, not the one idle longest: in steady use one
    connection (one PostgreSQL backend, one SQLite page cache) keeps being used and stays
    warm, and on PostgreSQL the spare ones are the ones that idle past the ping limit."""
    engine = make_engine(database_url, pool_size=4)
    held = [engine.connect() for _ in range(4)]
    burst = [id(connection.connection.dbapi_connection) for connection in held]
    for connection in held:  # returned in order: the last one last
        connection.close()
    steady = []
    for _ in range(3):
        with engine.connect() as connection:
            steady.append(id(connection.connection.dbapi_connection))
    assert steady == [burst[-1]] * 3
    engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_database_gets_an_engine(url):
    """An in-memory database keeps SQLAlchemy's own single-connection pool, which takes
    none of the file pool's settings."""
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
