"""The period a review covers: its days in the configured time zone, and its buckets
(months, quarters, or the whole period as one pool)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from reflect.local_time import UTC, offset_steps, to_local, to_utc

BY_CHOICES = ("month", "quarter", "period")
MAX_MONTHS = 120
WHOLE_PERIOD = "all"


class ReviewStatsError(ValueError):
    """A request for figures that cannot be answered; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month_key(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (both dates inclusive, days in the time zone ``tz``),
    shown ``by`` month, quarter or as one pool for the whole period."""

    start: date
    end: date
    by: str = "month"
    tz: str = UTC

    @property
    def start_at(self) -> datetime:
        """The first moment of the period, as a stored (UTC) time."""
        return to_utc(datetime.combine(self.start, time.min), self.tz)

    @property
    def end_before(self) -> datetime:
        """The first moment after the period, as a stored (UTC) time."""
        return to_utc(datetime.combine(self.end + timedelta(days=1), time.min), self.tz)

    def local(self, moment: datetime) -> datetime:
        """A stored (UTC) time as the wall-clock time in the period's zone."""
        return to_local(moment, self.tz)

    def offsets(self) -> tuple[tuple[datetime | None, int], ...]:
        return offset_steps(self.tz, self.start_at, self.end_before)

    def months(self) -> list[str]:
        return [_month_key(i) for i in range(_month_index(self.start), _month_index(self.end) + 1)]

    def bucket_of(self, month: str) -> str:
        if self.by == "month":
            return month
        if self.by == "quarter":
            year, mon = month.split("-")
            return f"{year}-Q{(int(mon) - 1) // 3 + 1}"
        return WHOLE_PERIOD

    def buckets(self) -> list[str]:
        return list(dict.fromkeys(self.bucket_of(m) for m in self.months()))

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "by": self.by, "timezone": self.tz}


def default_start(today: date) -> date:
    """The last twelve months: the day after the same day a year back (29 February: 1 March)."""
    try:
        return today.replace(year=today.year - 1) + timedelta(days=1)
    except ValueError:
        return date(today.year - 1, 3, 1)


def make_period(start: date | None, end: date | None, by: str | None, today: date, tz: str = UTC) -> Period:
    """``today`` is the date in ``tz``; ``start`` and ``end`` are days in ``tz``."""
    end = end or today
    start = start or default_start(end)
    by = by or "month"
    if by not in BY_CHOICES:
        raise ReviewStatsError("by_invalid")
    if start > end:
        raise ReviewStatsError("period_reversed")
    if _month_index(end) - _month_index(start) + 1 > MAX_MONTHS:
        raise ReviewStatsError("period_too_long")
    return Period(start, end, by, tz or UTC)


def period_years(period: Period) -> list[dict]:
    """The calendar years the period touches, each with the part of it inside the period
    (the days of the configured time zone)."""
    return [
        {"year": y, "from": max(period.start, date(y, 1, 1)).isoformat(),
         "to": min(period.end, date(y, 12, 31)).isoformat()}
        for y in range(period.start.year, period.end.year + 1)
    ]
