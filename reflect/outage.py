"""One log line when a dependency stops answering, and one when it answers again.

A database pool that runs out, or a Redis that does not answer, fails every request,
command and broadcast that needs it until it is back: logging each would bury the log
(and say nothing new). ``Outage.failed`` logs the first failure of an outage and
``Outage.recovered`` the first success after it; the failures in between are counted
and the count is given with the recovery. Only the kind of error is logged, never data.
"""
from __future__ import annotations

import logging
import threading


class Outage:
    def __init__(self, logger: logging.Logger, what: str, setting: str):
        self.log, self.what, self.setting = logger, what, setting
        self.down = False
        self.failures = 0
        self._lock = threading.Lock()  # green threads and the message queue's own thread

    def failed(self, err: BaseException | None = None, doing: str = "") -> bool:
        """Note one failure; True (and one line logged) if it starts an outage."""
        with self._lock:
            self.failures += 1
            if self.down:
                return False
            self.down = True
        kind = type(err).__name__ if err is not None else "no answer"
        self.log.error("%s unavailable (%s)%s: %s; see %s", self.what, kind,
                       f" while {doing}" if doing else "", "failing until it is back, logged once",
                       self.setting)
        return True

    def recovered(self) -> bool:
        """Note a success; True (and one line logged) if it ends an outage."""
        if not self.down:  # the usual case: no lock taken
            return False
        with self._lock:
            if not self.down:
                return False
            self.down, failures, self.failures = False, self.failures, 0
        self.log.warning("%s available again after %d failed attempts", self.what, failures)
        return True
