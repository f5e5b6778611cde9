"""The relational store: engine, sessions and the declarative base.

Services receive a SQLAlchemy ``Session`` as an argument and never import Flask;
views and socket handlers obtain one with :func:`get_session`.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import JSON, MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

from reflect.outage import Outage

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


WRITE_OPTION = "reflect_write"


def begin_write(db: Session) -> None:
    """Start ``db``'s transaction as a writer (SQLite: BEGIN IMMEDIATE; PostgreSQL
    relies on row locks). Call it before the unit of work's first query."""
    if not db.in_transaction():
        db.connection(execution_options={WRITE_OPTION: True})


def begin_reads(db: Session) -> None:
    """Start a unit of work that only reads. On PostgreSQL its statements run without a
    transaction (autocommit): under READ COMMITTED every statement reads its own snapshot
    anyway, so a transaction around reads adds nothing but its BEGIN and its end, two
    round trips to the server. SQLite keeps its transaction, which holds one snapshot for
    every read and costs no round trip. Call it before the unit of work's first query;
    nothing in the unit may write (a write would commit on its own)."""
    if not db.in_transaction() and db.get_bind().dialect.name == "postgresql":
        db.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# A pooled PostgreSQL connection idle for longer than this is checked (``SELECT 1``)
# before it is handed out, and replaced if the server has dropped it (a restart, a
# network cut). One used within this time is handed out as it is: SQLAlchemy's
# ``pool_pre_ping`` would check every checkout, one round trip more on every socket event.
PING_AFTER_IDLE_S = 5.0


def pool_overflow(pool_size: int) -> int:
    """Connections opened beyond the pool's size on demand (closed when returned)."""
    return max(5, pool_size // 4)


def make_engine(url: str, pool_size: int = 30, *, ping_after_idle: float = PING_AFTER_IDLE_S,
                pool_timeout: float = 5.0) -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: an error logged with its SQL never carries what people wrote
        # A file database gets the same full-sized pool, handing out the connection
        # returned last, as PostgreSQL's below: SQLAlchemy's default (5, and 10 more
        # closed on return) made a busy process open connections, and run the pragmas
        # below, over and over (about 1 % of its CPU). Memory SQLite keeps its own
        # single-connection pool, which takes none of these settings.
        sizing = {} if ":memory:" in url or url.rstrip("/") == "sqlite:" else {
            "pool_size": pool_size, "max_overflow": pool_overflow(pool_size), "pool_use_lifo": True,
            "pool_timeout": pool_timeout}
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, hide_parameters=True,
                               **sizing)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no branch
            # Transactions are begun by us (below) so that reads and writes of one unit
            # of work share one snapshot (pysqlite alone would run SELECTs outside it).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # What is deleted or overwritten is zeroed in the file, not left in free
            # space: purged text must not stay readable in the database file (or in a
            # backup, which copies its pages).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no branch
            # Reads begin deferred: a WAL reader never waits, so a read left open across
            # a green-thread switch (a broadcast) cannot make SQLite's busy wait block
            # the event loop. A unit of work that reads then writes declares it first
            # (begin_write) and takes the write lock at once, so no two can interleave;
            # such units never yield before they commit.
            write = conn.get_execution_options().get(WRITE_OPTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    # The pool is kept full-sized: a connection opened for a burst and closed after it
    # costs a TCP and TLS handshake, which under load is a measurable part of the CPU.
    # It hands out the connection returned last (LIFO): in steady use one backend keeps
    # being used and stays warm, where a first-in-first-out pool would cycle through all
    # that a burst opened, each idle long enough to be checked again (``SELECT 1``) and
    # its backend asleep. (SQLite's connections: the same, each has its own page cache.)
    # psycopg2's connections send a transaction's BEGIN with its first statement, one round
    # trip fewer per unit of work (``reflect.postgresql_connection``)
    connect_args = {}
    if make_url(url).get_driver_name() == "psycopg2":
        from reflect.postgresql_connection import Connection

        connect_args["connection_factory"] = Connection
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_overflow(pool_size), hide_parameters=True,
                           pool_use_lifo=True, pool_timeout=pool_timeout, connect_args=connect_args)

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):  # pragma: no branch
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):  # pragma: no branch
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= ping_after_idle:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as err:
            # the pool discards this connection and checks out another (SQLAlchemy's
            # documented way for a checkout handler to report a dead connection)
            raise exc.DisconnectionError() from err

    return engine


class Store:
    """One engine and a scoped session factory (thread- or greenlet-local)."""

    def __init__(self, url: str, pool_size: int = 30, pool_timeout: float = 5.0):
        self.url = url
        self.engine = make_engine(url, pool_size, pool_timeout=pool_timeout)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.scoped = scoped_session(self.session_factory)
        # every connection in use for longer than the pool's timeout: logged once (see
        # ``pool_busy``), and once more at the first connection handed out after it
        self.pool_outage = Outage(logging.getLogger("reflect.db"), "database connection pool",
                                  "REFLECT_DATABASE_POOL_SIZE and REFLECT_DATABASE_POOL_TIMEOUT")
        event.listen(self.engine, "checkout", lambda *_args: self.pool_outage.recovered())

    def pool_busy(self, err: BaseException, doing: str = "") -> None:
        """Note a unit of work refused because no connection came free in time."""
        self.pool_outage.failed(err, doing)

    def remove(self, _exc=None) -> None:
        self.scoped.remove()


def get_store() -> Store:
    return current_app.extensions["reflect.store"]


def get_session() -> Session:
    """The session for the current request, socket event or CLI command."""
    return get_store().scoped()
