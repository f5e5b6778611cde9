"""The store: migrations match the models, SQLite runs in WAL mode with a busy timeout."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
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
