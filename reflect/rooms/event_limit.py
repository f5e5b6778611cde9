"""How many events each socket may send: a sliding-window counter per socket.

The same approximation as ``limits``' sliding window counter (the count of the current
fixed window plus the previous window's, weighted by how much of it the sliding window
still covers), kept in one dict per process. A socket lives in one process, so its count
needs no shared store. It replaces ``limits``' in-memory storage for socket events, whose
timer sweeps every key a hundred times a second: with 1,300 sockets that sweep and its
locking took about 8 % of a busy process's CPU (bench/HISTORY.md). HTTP requests are
still limited by Flask-Limiter.
"""
from __future__ import annotations

import time
from typing import Callable

# sockets whose entries are kept before the oldest are dropped (an entry is forgotten
# when its socket disconnects; this bounds what a missed disconnect could leave)
MAX_KEYS = 100_000


class SlidingWindowCounter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._counts: dict[str, list] = {}  # key -> [window start, count in it, count in the one before]

    def hit(self, key: str, limit: int, window: float) -> bool:
        """Count one event for ``key`` if fewer than ``limit`` were counted in the last
        ``window`` seconds; False (and nothing counted) otherwise."""
        now = self._clock()
        start = now - now % window
        entry = self._counts.get(key)
        if entry is None or entry[0] < start - window:
            entry = [start, 0, 0]
        elif entry[0] < start:  # the next window: the current count becomes the previous one
            entry = [start, 0, entry[1]]
        covered = (window - (now - start)) / window  # the part of the previous window still in view
        if entry[2] * covered + entry[1] + 1 > limit:
            self._counts[key] = entry
            return False
        entry[1] += 1
        if key not in self._counts and len(self._counts) >= MAX_KEYS:
            self._drop_stale(start - window)
        self._counts[key] = entry
        return True

    def forget(self, key: str) -> None:
        self._counts.pop(key, None)

    def _drop_stale(self, before: float) -> None:
        for key in [k for k, entry in self._counts.items() if entry[0] < before]:
            del self._counts[key]
        while len(self._counts) >= MAX_KEYS:  # all recent: drop the oldest inserted
            del self._counts[next(iter(self._counts))]
