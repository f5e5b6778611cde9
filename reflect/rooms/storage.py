"""Every statement the live session runs, as named operations: the one seam between the
room's rules (``answers``, ``checkins``, ``lifecycle``, ``participants``, ``settle``,
``notes``, ``screens``, ``state``, ``commands``) and the database.

The services decide; this module reads and writes. It takes a SQLAlchemy ``Session``
and plain values, and returns ORM objects, rows or plain values, never anything that
fills in later. It is the only module of the live session that knows which database it
runs on (SQLite, the embedded default, or PostgreSQL): where the two need different SQL
(an insert that does nothing when the row exists), the difference is here.
"""
from __future__ import annotations


# --- a phone and its session ------------------------------------------------------------


# (section owned by the phones' and answers' work)


# --- answers, passes and marks ----------------------------------------------------------


# (section owned by the phones' and answers' work)


# --- command records ----------------------------------------------------------------------


# (section owned by the phones' and answers' work)


# --- the session's row and its cards ----------------------------------------------------


# (section owned by the session's life work)


# --- check-in rounds ----------------------------------------------------------------------


# (section owned by the session's life work)


# --- settling ---------------------------------------------------------------------------


# (section owned by the session's life work)


# --- notes and tags -------------------------------------------------------------------------


# (section owned by the session's life work)


# --- screens and presence ---------------------------------------------------------------


# (section owned by the session's life work)


# --- what a state reads -------------------------------------------------------------------


# (section owned by the session's life work)


# --- the scheduler's turns --------------------------------------------------------------


# (section owned by the session's life work)
