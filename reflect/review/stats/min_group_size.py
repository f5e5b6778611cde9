"""The minimum-group-size rule, in every aggregate of the review.

k = max(the configured minimum, the session's own ``min_group_size``); see
docs/review-api.md.

- A closed check-in round of a held session contributes a scale's scores to an aggregate
  only if that round, on its own, holds at least k non-pass answers rating that scale.
  The unit added to any cell is therefore always a whole round of >= k answers: two
  views that differ by one session or one person differ by a whole round or not at all.
- The change within a session (closing mean minus opening mean) counts only when both
  rounds qualify for that scale.
- A cell is shown only when it holds at least the configured minimum of contributing
  answers; otherwise it says "too few" (or "none" when there was no round at all).
- Feeling words come only from rounds with at least k feeling words; takeaways only
  from sessions with at least k anonymous takeaways shared with the group.

Each aggregate applies the rule in its own query (``checkins``, ``takeaways``) through
``threshold_expr``, the one place k for a session is decided.
"""
from __future__ import annotations

from sqlalchemy import Integer, case, literal

from reflect.models import GroupSession


def threshold_expr(k: int):
    """k for a session: the configured minimum or the session's own, whichever is larger."""
    return case((GroupSession.min_group_size > k, GroupSession.min_group_size), else_=literal(int(k), Integer))
