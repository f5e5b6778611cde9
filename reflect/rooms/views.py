"""Read-only views of rows, for the units of work that only read them.

Building an ORM object (identity, instance state, loader set-up) costs far more than
reading its row; on the paths every phone's answer and every throttled console update
take, the rows are read as plain columns instead (bench/HISTORY.md).
"""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from reflect.models import GroupSession


class RowView:
    """A row's columns as read-only attributes. A view refuses writes, so a service
    that would change it fails loudly instead of losing the change."""

    __slots__ = ("_values",)

    def __init__(self, values: dict):
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{name}: a read-only view")


_SESSIONS = GroupSession.__table__
_SESSION_BY_ID = select(_SESSIONS).where(_SESSIONS.c.id == bindparam("session_id"))


def session_for_reading(db: Session, session_id: int) -> GroupSession | RowView | None:
    """The session's ORM object when this unit of work already holds it (a command just
    changed it: no query), else its row as a read-only view; None if there is none."""
    known = db.identity_map.get(identity_key(GroupSession, session_id))
    if known is not None:
        return known
    row = db.execute(_SESSION_BY_ID, {"session_id": session_id}).first()
    return RowView(row._asdict()) if row is not None else None
