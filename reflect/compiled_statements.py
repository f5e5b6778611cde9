"""Statements on a room's busiest path, compiled once and run on PostgreSQL's
connection itself.

SQLAlchemy does a fixed amount of work for every statement it executes, before the
statement is sent: it looks the statement up in its compiled cache, builds an execution
context, processes the parameters, and after the statement, a result. After the pause
between two card moves that set-up took a tenth to a quarter of a millisecond per
statement, and a move runs four (who asks, the move, the command's record and the new
card's revealed answers): about as long as PostgreSQL takes to run them
(``bench/HISTORY.md``). A :class:`CompiledStatement` is compiled once per
database dialect, its parameters' conversions (a JSON value, say) found once, and on
psycopg2 with ``reflect.pg_connection``'s connection it is run there directly, in the
session's transaction: prepared, sent with the ``COMMIT``, or read after it.

Everything else sees what a statement run through the session would do, except
SQLAlchemy's log and events (``before_cursor_execute``), which never see it: this
module's logger shows its SQL at DEBUG instead. Otherwise: the same SQL
(built by SQLAlchemy from the same Core statement), the same transaction, the same
commit and its errors (an ``IntegrityError`` raised by a write sent with the ``COMMIT``
is raised by ``Session.commit``, wrapped by SQLAlchemy as for any other; one raised by
a statement run now is wrapped the same way, and a lost connection is invalidated, as
SQLAlchemy does, so that the pool replaces it). On SQLite,
and on any other driver, a :class:`CompiledStatement` is run by the session, as any
statement is.

Only what such a path needs is supported: named parameters (``bindparam``), all of
them given at each run, and no parameter that SQLAlchemy expands at execution (``IN``
with a list). A statement that uses one is refused when it is first compiled.
"""
from __future__ import annotations

import functools
import logging
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Sequence

import psycopg2
from sqlalchemy import exc, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import Executable

from reflect.pg_connection import Connection as PgConnection
from reflect.pg_connection import named_rows

# What SQLAlchemy's own log (``echo``) and its events show of a statement it runs, this
# module's logger shows at DEBUG of one run past SQLAlchemy: its SQL, never its values.
log = logging.getLogger(__name__)


class RowsAfterCommit(list):
    """Rows that arrive when their unit of work commits (:meth:`CompiledStatement.after_commit`)."""


class _Compiled:
    """``statement``'s SQL for one dialect (psycopg2's ``%(name)s`` placeholders) and
    how each parameter is converted: for each placeholder, the caller's key and the
    type's conversion, or the value the statement itself holds."""

    __slots__ = ("sql", "given", "fixed")

    def __init__(self, statement: Executable, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        if dialect.paramstyle != "pyformat":
            raise ValueError(f"{dialect.name}: a compiled statement runs on pyformat drivers only")
        if getattr(compiled, "post_compile_params", None) or getattr(compiled, "escaped_bind_names", None):
            raise ValueError("a compiled statement takes plain named parameters only (no expanding IN, "
                             "no parameter name that needs escaping)")
        for column in getattr(statement, "selected_columns", ()):
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise ValueError(f"column {column.key!r}: a value the driver does not convert itself is not supported")
        self.sql: str = compiled.string
        self.given: list[tuple[str, Callable[[Any], Any] | None]] = []
        self.fixed: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            if bind.callable is not None:
                raise ValueError(f"parameter {name!r}: a value computed at execution is not supported")
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                self.given.append((name, convert))
            else:  # a value the statement holds (a literal in a where clause)
                self.fixed[name] = convert(bind.value) if convert is not None else bind.value

    def parameters(self, params: dict) -> dict:
        values = dict(self.fixed)
        for name, convert in self.given:
            try:
                value = params[name]
            except KeyError:
                raise KeyError(f"a value is required for parameter {name!r}") from None
            values[name] = convert(value) if convert is not None else value
        return values


class CompiledStatement:
    """A Core statement, built once at import, run many times (see the module's doc)."""

    def __init__(self, statement: Executable, *, prepared: bool = True):
        self.statement = statement
        self.prepared = prepared
        # per dialect, which lives as long as its engine (a test's app makes its own)
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    # -- the ways to run it --------------------------------------------------------------

    def rows(self, db: Session, params: dict) -> Sequence:
        """Run it now, in ``db``'s unit of work (what the session holds unwritten is
        flushed first, as the session's ``execute`` would); its rows (named tuples on
        psycopg2, SQLAlchemy's rows otherwise)."""
        direct = self._now(db)
        if direct is None:
            return db.connection().execute(self.statement, params).all()  # Core's result, not the ORM's
        with direct.errors(), direct.dbapi.cursor() as cursor:
            cursor.execute(direct.sql(), direct.compiled.parameters(params))
            return named_rows(cursor)

    def write(self, db: Session, params: dict) -> int:
        """Run a write now, as :meth:`rows`; how many rows it wrote."""
        direct = self._now(db)
        if direct is None:
            return db.connection().execute(self.statement, params).rowcount
        with direct.errors(), direct.dbapi.cursor() as cursor:
            cursor.execute(direct.sql(), direct.compiled.parameters(params))
            return cursor.rowcount

    def with_commit(self, db: Session, params: dict) -> None:
        """A write that nothing in the unit of work reads back: on PostgreSQL sent with
        the ``COMMIT`` (a failure then fails the commit); elsewhere run now."""
        direct = self._direct(db)
        if direct is None:
            db.execute(self.statement, params)
            return
        with direct.errors():
            direct.dbapi.send_with_commit(direct.text(params))

    def after_commit(self, db: Session, params: dict) -> RowsAfterCommit:
        """A read of what the unit of work's commit leaves: on PostgreSQL sent after the
        ``COMMIT``, in its round trip: the list is empty until ``db`` has committed, and
        stays empty if the commit fails or the unit is rolled back. Elsewhere (SQLite,
        where a read costs no round trip) read now, in the unit of work."""
        direct = self._direct(db)
        if direct is None:
            return RowsAfterCommit(db.execute(self.statement, params).all())
        rows = RowsAfterCommit()
        with direct.errors():
            direct.dbapi.read_after_commit(direct.text(params), rows)
        return rows

    # -- how --------------------------------------------------------------------------------

    def _now(self, db: Session) -> _Direct | None:
        if db.autoflush:
            db.flush()  # nothing to do, and cheap, when the session holds no change
        return self._direct(db)

    def _direct(self, db: Session) -> _Direct | None:
        """``db``'s psycopg2 connection (its unit of work begun if it was not) and this
        statement compiled for it; None where the session runs the statement."""
        connection = db.connection()
        dbapi_connection = connection.connection.dbapi_connection
        if not isinstance(dbapi_connection, PgConnection):
            return None
        dialect = connection.dialect
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = _Compiled(self.statement, dialect)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s", compiled.sql)
        return _Direct(connection, dbapi_connection, compiled, self.prepared)


class _Direct:
    """One run of a statement on the session's psycopg2 connection."""

    __slots__ = ("connection", "dbapi", "compiled", "prepared")

    def __init__(self, connection: Connection, dbapi: PgConnection, compiled: _Compiled, prepared: bool):
        self.connection, self.dbapi, self.compiled, self.prepared = connection, dbapi, compiled, prepared

    def sql(self) -> str:
        """What to send: the statement, or its ``EXECUTE`` (prepared at its first use on
        this connection, a round trip of its own)."""
        return self.dbapi.prepared(self.compiled.sql) if self.prepared else self.compiled.sql

    def text(self, params: dict) -> bytes:
        with self.dbapi.cursor() as cursor:
            return cursor.mogrify(self.sql(), self.compiled.parameters(params))

    @contextmanager
    def errors(self):
        """psycopg2's errors as SQLAlchemy raises them for a statement it runs: wrapped
        in ``sqlalchemy.exc``'s classes (an ``IntegrityError`` is one there too), the
        values hidden, and a lost connection invalidated, so that the pool replaces it."""
        try:
            yield
        except psycopg2.Error as err:
            dialect = self.connection.dialect
            lost = dialect.is_disconnect(err, self.dbapi, None)
            if lost:
                self.connection.invalidate(err)
            raise exc.DBAPIError.instance(self.compiled.sql, None, err, psycopg2.Error, hide_parameters=True,
                                          connection_invalidated=lost, dialect=dialect) from err


def as_loaded(db: Session, cls: type, row) -> object:
    """The ORM object of ``cls`` whose column attributes hold ``row``'s values of them
    (read by a :class:`CompiledStatement`), in ``db`` as if a query had loaded it: what
    is set later is written by the commit; an object of that row already in ``db`` is
    the one returned, its columns read afresh (as ``populate_existing``). The ORM's
    loading would cost as much as the statement (``row`` needs every column of
    ``cls``'s table, under the column's attribute name)."""
    mapper, keys, primary_key = _columns_of(cls)
    existing = db.identity_map.get(identity_key(cls, tuple(getattr(row, key) for key in primary_key)))
    obj = existing if existing is not None else mapper.class_manager.new_instance()
    for key in keys:
        set_committed_value(obj, key, getattr(row, key))
    if existing is None:
        make_transient_to_detached(obj)
        db.add(obj)
    return obj


@functools.cache
def _columns_of(cls: type) -> tuple:
    mapper = inspect(cls)
    return (mapper, tuple(attribute.key for attribute in mapper.column_attrs),
            tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key))
