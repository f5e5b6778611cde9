"""Purged or deleted text leaves the database's storage too, not only the rows a query
sees: SQLite zeroes what is overwritten or deleted and empties its write-ahead log after a
purge; PostgreSQL vacuums away the row versions that held it."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from reflect import retention
from reflect.models import Note
from tests.unit.test_retention import make_facilitator, make_session

LABEL = "Xylophone-7f3a"
# the texts a purge erases (the label is also in the group's name and the title, which stay)
PURGED = [f"{LABEL} card answer".encode(), f"{LABEL} private note".encode(), f"{LABEL} hopeful".encode(),
          f"{LABEL} note deleted".encode()]


def _sqlite_bytes(database_url: str) -> bytes:
    path = Path(make_url(database_url).database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _pg_row_versions(db, table: str) -> bytes:
    """Every row version each page of ``table`` still holds, live or dead."""
    pages = db.execute(text(f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int")).scalar()
    return b"".join(
        bytes(data) for n in range(pages)
        for data in db.execute(text(f"SELECT t_data FROM heap_page_items(get_raw_page('{table}', {n}))")).scalars()
        if data is not None
    )


def _stored(db, database_url: str) -> bytes:
    """SQLite: the database file and its write-ahead log, byte for byte. PostgreSQL: the
    row versions in the tables' pages (what VACUUM can remove; the bytes of a removed
    version may stay in a page's free space: docs/security.md)."""
    if database_url.startswith("sqlite"):
        return _sqlite_bytes(database_url)
    db.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    stored = b"".join(_pg_row_versions(db, table) for table in ("answers", "notes", "checkin_answers"))
    db.commit()
    return stored


def test_purged_text_is_gone_from_the_stored_bytes(app, db, database_url):
    fac = make_facilitator(db)
    session = make_session(db, fac, LABEL, started_days_ago=2, ended_days_ago=1)
    deleted = Note(session_id=session.id, author_id=fac.id, client_id="deleted-note", phase="reflect",
                   text=f"{LABEL} note deleted by its author")
    db.add(deleted)
    db.commit()
    before = _stored(db, database_url)
    assert all(purged in before for purged in PURGED)  # the check sees text where it is

    db.delete(deleted)  # a note its author deleted during the session
    db.commit()
    retention.purge_session_text(db, session, fac)
    db.commit()
    retention.reclaim_erased_space(db)

    after = _stored(db, database_url)
    assert [purged for purged in PURGED if purged in after] == []
