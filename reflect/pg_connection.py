"""psycopg2 with two round trips fewer per transaction: ``BEGIN`` travels with the
transaction's first statement, and ``COMMIT`` with a write that nothing in the unit of
work reads back (``send_with_commit``).

psycopg2 outside autocommit sends ``BEGIN`` as a query of its own before a transaction's
first statement, and ``COMMIT`` as another at its end: each one a round trip to the
server. On a card move they were two of six. This connection keeps libpq in autocommit
and begins its transactions itself, by putting ``BEGIN;`` before the first statement's
text: one query message. PostgreSQL's simple query protocol (which psycopg2 always
uses; it interpolates parameters on the client) runs a message's statements in order,
stops at the first error, and returns the last statement's rows.

What callers see is psycopg2's behaviour: ``autocommit``, ``set_isolation_level``,
``commit`` and ``rollback`` mean what they mean there, and ``info.transaction_status``
(the server's own account) says whether a transaction is open. Named (server-side)
cursors need psycopg2's own transactions and are refused.
"""
from __future__ import annotations

import psycopg2
import psycopg2.extensions as ext
from psycopg2 import sql

_BEGIN = {
    ext.ISOLATION_LEVEL_READ_COMMITTED: "BEGIN",
    ext.ISOLATION_LEVEL_READ_UNCOMMITTED: "BEGIN ISOLATION LEVEL READ UNCOMMITTED",
    ext.ISOLATION_LEVEL_REPEATABLE_READ: "BEGIN ISOLATION LEVEL REPEATABLE READ",
    ext.ISOLATION_LEVEL_SERIALIZABLE: "BEGIN ISOLATION LEVEL SERIALIZABLE",
    ext.ISOLATION_LEVEL_DEFAULT: "BEGIN",
}
_IDLE = ext.TRANSACTION_STATUS_IDLE


class Cursor(ext.cursor):
    """A cursor whose first statement of a transaction carries the ``BEGIN``."""

    def execute(self, query, vars=None):
        begin = self.connection.begin_needed()
        if begin:
            if isinstance(query, sql.Composable):
                query = query.as_string(self)
            query = (begin.encode() + b";" + query) if isinstance(query, bytes) else f"{begin};{query}"
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
        self._with_commit: list[bytes] = []
        self.cursor_factory = Cursor

    # -- psycopg2's interface ------------------------------------------------------------

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
        """One round trip: the writes left for the commit, then ``COMMIT``; none when
        there is nothing to commit. A write that fails here fails the commit (the
        transaction is then aborted: roll it back)."""
        pending, self._with_commit = self._with_commit, []
        began = self.in_transaction()
        if not began and not pending:
            return
        self._send([*([] if began else [self._begin.encode()]), *pending, b"COMMIT"])

    def rollback(self) -> None:
        self._with_commit = []
        if self.in_transaction():
            self._send([b"ROLLBACK"])

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    # -- ours ----------------------------------------------------------------------------

    def in_transaction(self) -> bool:
        return self.info.transaction_status != _IDLE

    def begin_needed(self) -> str | None:
        """The ``BEGIN`` the next statement must carry, if it opens a transaction."""
        if self._autocommit or self.in_transaction():
            return None
        return self._begin

    def begin_now(self) -> None:
        begin = self.begin_needed()
        if begin:
            self._send([begin.encode()])

    def send_with_commit(self, statement: bytes) -> None:
        """Send ``statement`` (its parameters already in it: ``cursor.mogrify``) with the
        ``COMMIT``, in the same message. Only for a write that nothing before the commit
        reads back; in autocommit it runs at once."""
        if self._autocommit:
            self._send([statement])
        else:
            self._with_commit.append(statement)

    def _send(self, statements: list[bytes]) -> None:
        with ext.cursor(self) as cursor:
            cursor.execute(b";".join(statements))
