"""Stored times (naive UTC) and the wall-clock times of the configured time zone
(``REFLECT_TIMEZONE``): the review figures, the hours record and the facilitator's pages
all read dates through here."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = "UTC"


@lru_cache(maxsize=32)
def zone(name: str | None) -> tzinfo:
    """The IANA time zone called ``name`` (``REFLECT_TIMEZONE``, checked at start-up);
    UTC needs no time-zone database."""
    if not name or name == UTC:
        return timezone.utc
    return ZoneInfo(name)


def to_local(moment: datetime, tz: str | None) -> datetime:
    """A stored (naive, UTC) time as the wall-clock time in ``tz`` (naive)."""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone(tz)).replace(tzinfo=None)


def to_utc(wall: datetime, tz: str | None) -> datetime:
    """A wall-clock time in ``tz`` (naive) as a stored (naive, UTC) time."""
    return wall.replace(tzinfo=zone(tz)).astimezone(timezone.utc).replace(tzinfo=None)


def local_today(tz: str | None, now_utc: datetime | None = None) -> date:
    """Today's date in ``tz``."""
    return to_local(now_utc or datetime.now(timezone.utc).replace(tzinfo=None), tz).date()


@lru_cache(maxsize=64)
def offset_steps(tz: str | None, start: datetime, end: datetime) -> tuple[tuple[datetime | None, int], ...]:
    """The UTC offsets (seconds) of ``tz`` between two UTC times: ``((None, first),
    (t1, second), …)``, each ``t`` the UTC time from which its offset applies. Found by
    looking a day at a time, then to the second where the offset changed."""
    z = zone(tz)
    epoch = datetime(1970, 1, 1)

    def offset(seconds: int) -> int:
        moment = datetime.fromtimestamp(seconds, timezone.utc)
        return int(moment.astimezone(z).utcoffset().total_seconds())

    lo_end = int((start - epoch).total_seconds())
    hi_end = int((end - epoch).total_seconds())
    current = offset(lo_end)
    steps: list[tuple[datetime | None, int]] = [(None, current)]
    day = 86400
    at = lo_end
    while at < hi_end:
        nxt = min(at + day, hi_end)
        new = offset(nxt)
        if new != current:
            lo, hi = at, nxt  # offset(lo) == current, offset(hi) == new
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == current:
                    lo = mid
                else:
                    hi = mid
            steps.append((epoch + timedelta(seconds=hi), new))
            current = new
        at = nxt
    return tuple(steps)
