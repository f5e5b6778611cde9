"""psycopg2's connection, with a transaction's ``BEGIN`` sent in the same message as its
first statement: one round trip fewer per transaction. Only ``reflect.db`` uses it
(as the engine's ``connection_factory``); nothing else needs to know it is there.

Why: under eventlet or gevent every round trip to PostgreSQL is a switch of green threads,
and a unit of work of the live session holds its session's row lock from its first
statement to its ``COMMIT``; psycopg2 outside autocommit sends ``BEGIN`` as a query of its
own before the first statement, one more wait with the lock about to be taken. (Fewer
round trips on the card move's path made it faster in round 13, ``bench/HISTORY.md``;
round 23 has this connection's own measurement.)

How: libpq's connection stays in autocommit, and a cursor's first statement of a
transaction is sent as ``BEGIN;<statement>``. PostgreSQL's simple query protocol (which
psycopg2 always uses) runs a message's statements in order, stops at the first error and
returns the last statement's rows. What callers see is psycopg2's behaviour:
``autocommit``, ``set_isolation_level``, ``commit`` and ``rollback`` mean what they mean
there, and whether a transaction is open is the server's own account
(``info.transaction_status``). Named (server-side) cursors need psycopg2's own
transactions and are refused.
"""
from __future__ import annotations

import psycopg2
import psycopg2.extensions as ext
from psycopg2 import sql

_BEGIN = {
    ext.ISOLATION_LEVEL_DEFAULT: "BEGIN",
    ext.ISOLATION_LEVEL_READ_COMMITTED: "BEGIN",
    ext.ISOLATION_LEVEL_READ_UNCOMMITTED: "BEGIN ISOLATION LEVEL READ UNCOMMITTED",
    ext.ISOLATION_LEVEL_REPEATABLE_READ: "BEGIN ISOLATION LEVEL REPEATABLE READ",
    ext.ISOLATION_LEVEL_SERIALIZABLE: "BEGIN ISOLATION LEVEL SERIALIZABLE",
}


class Cursor(ext.cursor):
    """A cursor whose statement that opens a transaction carries its ``BEGIN``."""

    def execute(self, query, vars=None):
        begin = self.connection.begin_needed()
        if begin:
            if isinstance(query, sql.Composable):
                query = query.as_string(self)
            query = begin.encode() + b";" + query if isinstance(query, bytes) else f"{begin};{query}"
        return super().execute(query, vars)

    def executemany(self, query, vars_list):
        self.connection.begin_now()  # psycopg2 runs each statement in C, past ``execute``
        return super().executemany(query, vars_list)

    def callproc(self, procname, parameters=None):
        self.connection.begin_now()
        return super().callproc(procname, parameters)


class Connection(ext.connection):
    """Pass as psycopg2's ``connection_factory``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ext.connection.autocommit.__set__(self, True)  # libpq's: the transactions are ours
        self._autocommit = False
        self._begin = _BEGIN[ext.ISOLATION_LEVEL_READ_COMMITTED]
        self.cursor_factory = Cursor

    @property
    def autocommit(self) -> bool:
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        if self.in_transaction():  # as psycopg2
            raise psycopg2.ProgrammingError("set_session cannot be used inside a transaction")
        self._autocommit = bool(value)

    def set_isolation_level(self, level) -> None:
        """As psycopg2's: a transaction in progress is rolled back first."""
        self.rollback()
        if level == ext.ISOLATION_LEVEL_AUTOCOMMIT:
            self._autocommit = True
            return
        if level not in _BEGIN:
            raise ValueError(f"isolation level {level!r} is not known")
        self._autocommit = False
        self._begin = _BEGIN[level]

    def cursor(self, name=None, **kwargs):
        if name is not None:
            raise psycopg2.NotSupportedError("named (server-side) cursors are not supported on this connection")
        return super().cursor(**kwargs)

    def commit(self) -> None:
        if self.in_transaction():
            self._send("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction():
            self._send("ROLLBACK")

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    def in_transaction(self) -> bool:
        return self.info.transaction_status != ext.TRANSACTION_STATUS_IDLE

    def begin_needed(self) -> str | None:
        """The ``BEGIN`` the next statement must carry, if it opens a transaction."""
        if self._autocommit or self.in_transaction():
            return None
        return self._begin

    def begin_now(self) -> None:
        begin = self.begin_needed()
        if begin:
            self._send(begin)

    def _send(self, statement: str) -> None:
        with ext.cursor(self) as cursor:
            cursor.execute(statement)
