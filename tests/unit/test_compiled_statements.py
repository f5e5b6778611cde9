"""reflect.compiled_statements: a statement compiled once and run past SQLAlchemy on
PostgreSQL does what the session would do with it, on both databases: its values
converted as SQLAlchemy converts them, a write left for the commit landing with it (or
failing it), a read after the commit seeing what it committed; and an ORM object made
from its row is the one the session would have loaded."""
from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import (JSON, Column, DateTime, Integer, MetaData, PickleType, String, Table, bindparam,
                        create_engine, func, insert, select, text, update)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from reflect import compiled_statements
from reflect.compiled_statements import CompiledStatement, as_loaded
from reflect.db import begin_write, make_engine
from reflect.models import GroupSession


@contextmanager
def _store(url: str):
    """An engine as the app makes it, and a table of our own for the statements."""
    engine = make_engine(url, pool_size=2)
    table = Table(f"probe_{uuid.uuid4().hex[:8]}", MetaData(), Column("id", Integer, primary_key=True),
                  Column("kind", String(8)), Column("doc", JSON), Column("at", DateTime))
    table.create(engine)
    try:
        yield engine, table
    finally:
        table.drop(engine)
        engine.dispose()


@pytest.fixture
def store(database_url):
    with _store(database_url) as made:
        yield made


def _postgresql(engine) -> bool:
    return engine.dialect.name == "postgresql"


def _insert(table) -> CompiledStatement:
    return CompiledStatement(insert(table).values(id=bindparam("id"), kind=bindparam("kind"),
                                                  doc=bindparam("doc", type_=table.c.doc.type), at=bindparam("at")))


def _stored(engine, table) -> list[tuple]:
    with engine.connect() as conn:  # another connection: what is committed
        return [tuple(row) for row in conn.execute(select(table).order_by(table.c.id))]


def test_a_write_left_for_the_commit_lands_with_it_its_values_converted(store):
    engine, table = store
    when = datetime(2026, 12, 5, 9, 30, 0, 125000)
    with Session(engine) as db:
        begin_write(db)
        _insert(table).with_commit(db, {"id": 1, "kind": "a", "doc": {"k": ["v", 2]}, "at": when})
        if _postgresql(engine):
            assert db.execute(select(table)).all() == []  # not sent before the COMMIT
        db.commit()
    assert _stored(engine, table) == [(1, "a", {"k": ["v", 2]}, when)]


def test_a_write_left_for_the_commit_that_fails_fails_the_commit_and_leaves_nothing(store):
    engine, table = store
    record = _insert(table)
    with Session(engine) as db:
        record.with_commit(db, {"id": 1, "kind": "a", "doc": {}, "at": None})
        db.commit()
    with Session(engine) as db, pytest.raises(IntegrityError):
        begin_write(db)
        db.execute(text(f"UPDATE {table.name} SET kind = 'changed'"))
        record.with_commit(db, {"id": 1, "kind": "b", "doc": {}, "at": None})  # the same key again
        db.commit()
    assert _stored(engine, table) == [(1, "a", {}, None)]  # the unit's other write undone too


def test_a_rolled_back_unit_leaves_out_its_write_left_for_the_commit(store):
    engine, table = store
    with Session(engine) as db:
        begin_write(db)
        _insert(table).with_commit(db, {"id": 1, "kind": "a", "doc": {}, "at": None})
        db.rollback()
        db.commit()  # nothing left to send
    assert _stored(engine, table) == []


def test_a_read_after_the_commit_sees_what_the_commit_left(store):
    engine, table = store
    reading = CompiledStatement(select(table.c.id, table.c.doc).where(table.c.kind == bindparam("kind"))
                                .order_by(table.c.id))
    with Session(engine) as db:
        begin_write(db)
        _insert(table).with_commit(db, {"id": 7, "kind": "a", "doc": {"n": 1}, "at": None})
        rows = reading.after_commit(db, {"kind": "a"})
        if _postgresql(engine):
            assert rows == []  # arrives with the commit
        db.commit()
    assert [(row.id, row.doc) for row in rows] == [(7, {"n": 1})]


def test_rows_are_read_now_with_the_values_the_statement_holds_and_those_given(store):
    engine, table = store
    with Session(engine) as db:
        db.execute(insert(table), [{"id": i, "kind": kind, "doc": {}, "at": None}
                                   for i, kind in ((1, "a"), (2, "b"), (3, "a"), (4, "a"))])
        db.commit()
    # "a" is a value the statement holds; "above" is given at each run
    query = CompiledStatement(select(table.c.id).where(table.c.kind == "a", table.c.id > bindparam("above"))
                              .order_by(table.c.id))
    with Session(engine) as db:
        assert [row.id for row in query.rows(db, {"above": 1})] == [3, 4]
        assert [row.id for row in query.rows(db, {"above": 3})] == [4]
        if _postgresql(engine):  # prepared once on the connection, then only executed
            prepared = db.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
            assert len(prepared) == 1 and f"FROM {table.name}" in prepared[0], prepared


def test_a_write_run_now_says_how_many_rows_it_wrote(store):
    engine, table = store
    with Session(engine) as db:
        db.execute(insert(table), [{"id": i, "kind": "a", "doc": {}, "at": None} for i in (1, 2, 3)])
        db.commit()
    rename = CompiledStatement(update(table).where(table.c.id <= bindparam("upto")).values(kind=bindparam("new")))
    with Session(engine) as db:
        begin_write(db)
        assert rename.write(db, {"upto": 2, "new": "b"}) == 2
        assert rename.write(db, {"upto": 0, "new": "c"}) == 0
        db.commit()
    assert [row[1] for row in _stored(engine, table)] == ["b", "b", "a"]


def test_a_statement_run_now_sees_what_the_session_holds_unwritten(app):
    """As the session's own ``execute`` (autoflush): an ORM change made before it is
    written first, in the same unit of work."""
    from reflect.db import get_session

    session_id = _a_group_session(app)
    with app.app_context():
        db = get_session()
        db.get(GroupSession, session_id).title = "Changed, not yet flushed"
        assert _SESSION_ROW.rows(db, {"sid": session_id})[0].title == "Changed, not yet flushed"
        db.rollback()


def test_a_value_left_out_is_named_in_the_error_and_nothing_is_written(store):
    engine, table = store
    with Session(engine) as db:
        begin_write(db)
        with pytest.raises(Exception) as raised:
            _insert(table).with_commit(db, {"id": 1, "kind": "a", "at": None})
        assert "doc" in str(raised.value)
        db.commit()
    assert _stored(engine, table) == []


def test_a_connection_lost_under_a_statement_fails_it_as_sqlalchemy_would_and_is_replaced(pg_database):
    engine = make_engine(pg_database, pool_size=1)
    pid_query = CompiledStatement(select(func.pg_backend_pid().label("pid")))
    try:
        with Session(engine) as db:
            first = pid_query.rows(db, {})[0].pid
            admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            admin.dispose()
            with pytest.raises(OperationalError) as raised:
                pid_query.rows(db, {})
            assert raised.value.connection_invalidated
            db.rollback()
            assert pid_query.rows(db, {})[0].pid != first  # the pool opened another
    finally:
        engine.dispose()


def test_what_the_direct_path_cannot_run_as_sqlalchemy_would_is_refused(pg_database):
    engine = make_engine(pg_database, pool_size=1)
    table = Table("refused", MetaData(), Column("id", Integer, primary_key=True), Column("blob", PickleType))
    expanding = CompiledStatement(select(table.c.id).where(table.c.id.in_(bindparam("ids", expanding=True))))
    converted = CompiledStatement(select(table.c.blob))  # a value the driver does not convert itself
    try:
        with Session(engine) as db:
            with pytest.raises(ValueError, match="expanding IN"):
                expanding.rows(db, {"ids": [1, 2]})
            with pytest.raises(ValueError, match="blob"):
                converted.rows(db, {})
    finally:
        engine.dispose()


def test_the_sql_run_past_sqlalchemy_is_logged_at_debug_without_its_values(pg_database, caplog):
    with _store(pg_database) as (engine, table), \
            caplog.at_level(logging.DEBUG, logger=compiled_statements.__name__), Session(engine) as db:
        _insert(table).with_commit(db, {"id": 1, "kind": "secret", "doc": {"said": "She cried"}, "at": None})
        db.commit()
    logged = [r.getMessage() for r in caplog.records if r.name == compiled_statements.__name__]
    assert len(logged) == 1 and logged[0].startswith(f"INSERT INTO {table.name}"), logged
    assert "She cried" not in caplog.text and "secret" not in caplog.text


def _a_group_session(app) -> int:
    from reflect.db import get_session
    from reflect.models import Group, User

    with app.app_context():
        db = get_session()
        user = User(email=f"{uuid.uuid4().hex[:6]}@example.org", display_name="F", role="facilitator")
        group = Group(name="Tuesday group", facilitator=user)
        session = GroupSession(group=group, facilitator_id=None, deck_id="d", title="Week 1",
                               checkin_scales=["energy"], current_position=2)
        db.add_all([user, group])
        db.flush()
        session.facilitator_id = user.id
        db.add(session)
        db.commit()
        return session.id


_SESSION_ROW = CompiledStatement(select(*GroupSession.__table__.columns).where(GroupSession.id == bindparam("sid")))


def test_an_object_made_from_a_row_is_the_one_the_session_would_load_and_its_changes_are_written(app):
    from reflect.db import get_session

    session_id = _a_group_session(app)
    with app.app_context():
        db = get_session()
        made = as_loaded(db, GroupSession, _SESSION_ROW.rows(db, {"sid": session_id})[0])
        assert db.get(GroupSession, session_id) is made  # in the identity map, no second object
        columns = [c.key for c in GroupSession.__table__.columns]
        with Session(db.get_bind()) as other:  # closed here: no transaction left holding a lock
            loaded = other.get(GroupSession, session_id)
            assert [getattr(made, c) for c in columns] == [getattr(loaded, c) for c in columns]
        assert not db.dirty  # as loaded: nothing to write yet
        made.title = "Week 2"
        db.commit()
    with app.app_context():
        assert get_session().get(GroupSession, session_id).title == "Week 2"


def test_an_object_already_in_the_session_is_the_one_returned_its_columns_read_afresh(app):
    from reflect.db import get_session

    session_id = _a_group_session(app)
    with app.app_context():
        db = get_session()
        held = db.get(GroupSession, session_id)
        with Session(db.get_bind()) as other:  # another unit of work changes the row
            other.get(GroupSession, session_id).title = "Renamed"
            other.commit()
        db.commit()  # ends the first read's transaction (SQLite keeps one snapshot per unit)
        assert as_loaded(db, GroupSession, _SESSION_ROW.rows(db, {"sid": session_id})[0]) is held
        assert held.title == "Renamed"
