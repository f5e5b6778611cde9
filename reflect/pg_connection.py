"""psycopg2 with two round trips fewer per transaction: ``BEGIN`` travels with the
transaction's first statement, and ``COMMIT`` with a write that nothing in the unit of
work reads back (``send_with_commit``) and with a read of what the commit left
(``read_after_commit``); and the statements every command runs prepared once per
connection (``prepared``).

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

psycopg2 prepares nothing: PostgreSQL parses, analyses and plans every statement it is
sent, each time. For the few statements on a room's busiest paths (who asks, with the
session's row locked; a card move) that work is most of the statement's time on the
server: ``prepared`` sends ``PREPARE`` once per connection, at the statement's
first use there, and from then on ``EXECUTE`` with the values (interpolated by psycopg2,
as every statement's are). A prepared statement lives as long as its connection (it
is not undone by a rollback); PostgreSQL plans it again by itself if a table it reads
changes. A pooler in transaction mode (pgbouncer's) would lose them: reflect connects
to PostgreSQL directly.
"""
from __future__ import annotations

import functools
import re
from collections import namedtuple

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
# statements prepared on one connection at most: past this, a statement runs unprepared
# (only statements marked for it are prepared, a handful; this bounds a mistake)
MAX_PREPARED = 64
_PLACEHOLDER = re.compile(r"%\(([^)]+)\)s|%%")


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
        self._after_commit: tuple[bytes, list] | None = None  # a read sent after the COMMIT, and where its rows go
        self._prepared: dict[str, str] = {}  # statement -> its EXECUTE, with psycopg2's placeholders
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
        """One round trip: the writes left for the commit, then ``COMMIT``, then the
        read left for after it; none when there is nothing to commit. A write that fails
        here fails the commit, and the read is not run. A failed commit leaves no
        transaction open, as psycopg2's (there the server ends it with the ``COMMIT``;
        here the statements after the failed one are skipped, so it is rolled back):
        a connection returned to the pool after it is ready for the next unit."""
        pending, self._with_commit = self._with_commit, []
        after, self._after_commit = self._after_commit, None
        began = self.in_transaction()
        if not began and not pending and after is None:
            return
        statements = [*([] if began else [self._begin.encode()]), *pending, b"COMMIT"]
        try:
            if after is None:
                self._send(statements)
                return
            read, rows = after
            rows.extend(self._fetch([*statements, read]))
        except psycopg2.Error:
            if not self.closed and self.in_transaction():
                self._send([b"ROLLBACK"])
            raise

    def rollback(self) -> None:
        self._with_commit = []
        self._after_commit = None
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

    def read_after_commit(self, statement: bytes, rows: list) -> None:
        """Send ``statement`` (a read, its parameters already in it: ``cursor.mogrify``)
        right after the ``COMMIT``, in the same message, and put its rows into ``rows``
        (named tuples): it reads what the commit left, in a transaction of its own (the
        transaction's locks are released by then). One per transaction: the message
        returns its last statement's rows only. If the commit fails, it is not run and
        ``rows`` stays empty. If it fails itself (a lost connection), ``commit`` raises
        although the transaction committed, as when a ``COMMIT``'s reply is lost: a
        command's stored record then answers its retry. In autocommit it runs at once."""
        if self._autocommit:
            rows.extend(self._fetch([statement]))
            return
        if self._after_commit is not None:
            raise psycopg2.ProgrammingError("one read after the commit per transaction")
        self._after_commit = (statement, rows)

    def prepared(self, statement: str) -> str:
        """``statement`` (psycopg2's ``%(name)s`` placeholders) as this connection's
        prepared statement: the ``EXECUTE`` to send in its place, with the same
        placeholders. It is prepared at its first use here (a round trip of its own, once);
        past ``MAX_PREPARED`` statements, ``statement`` itself."""
        execute = self._prepared.get(statement)
        if execute is None:
            if len(self._prepared) >= MAX_PREPARED:
                return statement
            execute = self._prepare(statement)
        return execute

    def _prepare(self, statement: str) -> str:
        names: list[str] = []

        def numbered(match: re.Match) -> str:
            if match.group(1) is None:  # "%%", a literal "%"
                return "%"
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        name = f"reflect_{len(self._prepared) + 1}"
        # outside any transaction, or inside the one open: PREPARE is not transactional
        self._send([f"PREPARE {name} AS {_PLACEHOLDER.sub(numbered, statement)}".encode()])
        values = ", ".join(f"%({n})s" for n in names)
        execute = self._prepared[statement] = f"EXECUTE {name}({values})" if names else f"EXECUTE {name}"
        return execute

    def _send(self, statements: list[bytes]) -> None:
        with ext.cursor(self) as cursor:
            cursor.execute(b";".join(statements))

    def _fetch(self, statements: list[bytes]) -> list[tuple]:
        """The last statement's rows, as named tuples."""
        with ext.cursor(self) as cursor:
            cursor.execute(b";".join(statements))
            return named_rows(cursor)


def named_rows(cursor) -> list[tuple]:
    """The rows ``cursor`` has just read, as named tuples."""
    row = _row_type(tuple(column.name for column in cursor.description))
    return [row._make(values) for values in cursor.fetchall()]


@functools.lru_cache(maxsize=64)
def _row_type(names: tuple[str, ...]) -> type:
    # building the class costs more than the read: once per shape (``rename``: a column
    # whose name cannot name a field, a keyword or a repeated name, is named by its
    # position, "_1")
    return namedtuple("Row", names, rename=True)
