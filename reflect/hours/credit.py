"""The credit rule: how much of a held session one person is credited with.

Pure functions over plain values (no database, no Flask). The rule, in full
(``docs/hours.md`` says the same):

1. Only a held session counts (it started and ended); its held time runs from its start
   to its end.
2. The person is present through the phones that joined under one of their roster
   entries and were admitted (a phone still waiting, or removed, counts for nothing).
   Several phones count once: the earliest arrival, the latest departure.
3. Arrival is when the first phone joined, or the session's start if it joined before.
   Arriving no more than the threshold (``REFLECT_HOURS_LATE_MINUTES``, 10 minutes)
   after the start counts as arriving at the start.
4. Departure is when a phone's last connection dropped and did not come back, if that
   was more than the presence grace period (``REFLECT_PRESENCE_GRACE_SECONDS``) before
   the end; otherwise (still connected, reconnecting at the end, or gone only after the
   end) the session's end. A phone that dropped and came back has not left: the time it
   spent reconnecting is not a departure. Leaving no more than the threshold before the
   end counts as leaving at the end.
5. The credit is departure minus arrival; none if that is not positive.
6. A facilitator's correction replaces 2-5 for that person and session: their arrival
   and departure as corrected (within the held time), or no credit ("did not attend").
Hours are the credited seconds rounded half-up to 0.01 h once per entry; every total
adds up the entries' rounded hours.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_THRESHOLD = timedelta(minutes=10)
DEFAULT_GRACE = timedelta(seconds=20)


@dataclass(frozen=True)
class Phone:
    """What the server knows of one admitted phone: when it joined, and when its last
    connection dropped (``None``: connected, or never dropped)."""

    joined_at: datetime
    disconnected_at: datetime | None


def credited_interval(start: datetime, end: datetime, phones: list[Phone], *,
                      threshold: timedelta = DEFAULT_THRESHOLD,
                      grace: timedelta = DEFAULT_GRACE) -> tuple[datetime, datetime] | None:
    """The part of a held session (``start``..``end``) a person is credited with."""
    if not phones or end <= start:
        return None
    arrived = max(start, min(p.joined_at for p in phones))
    if arrived - start <= threshold:
        arrived = start
    departures = []
    for phone in phones:
        gone = phone.disconnected_at
        departures.append(gone if gone is not None and gone < end - grace else end)
    left = min(end, max(departures))
    if end - left <= threshold:
        left = end
    if left <= arrived:
        return None
    return arrived, left


def hours_of(seconds: float) -> Decimal:
    """Seconds to hours, rounded half-up to 0.01 h (as the review rounds a session)."""
    value = Decimal(str(float(seconds))) / Decimal(3600)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
