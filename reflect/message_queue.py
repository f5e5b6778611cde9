"""The Redis message queue between server processes, failing loudly once and recovering.

python-socketio's ``RedisManager`` carries each emit to the other processes. While its
Redis does not answer it logs two lines for every emit it cannot publish ("Cannot
publish to redis... giving up") and one for each retry of its listener, whose wait
doubles up to a minute. This subclass logs one line when Redis stops answering and one
when it answers again (``reflect.outage``), retries its listener at most every
``LISTEN_RETRY_MAX`` seconds, and, once it hears Redis again after an outage, asks
every socket of its own process to sync: a broadcast published during the outage never
reached it, and the database holds the truth.
"""
from __future__ import annotations

import logging
import time

import redis
from socketio import RedisManager

from reflect.outage import Outage

LISTEN_RETRY_MAX = 5.0  # seconds between two attempts to hear Redis again
TIMEOUT_S = 2.0  # connecting to a Redis host that does not answer
NAMESPACES = ("/phone", "/facilitator", "/display")

log = logging.getLogger("reflect.message_queue")


def redis_options() -> dict:
    # only connecting is bounded: the listener's connection waits for messages without one
    return {"socket_connect_timeout": TIMEOUT_S}


class QuietRedisManager(RedisManager):
    def __init__(self, url: str, channel: str):
        super().__init__(url, channel=channel, redis_options=redis_options())
        self.outage = Outage(log, "message queue (Redis)", "REFLECT_MESSAGE_QUEUE")

    def _publish(self, data):
        for attempt in range(2):  # a connection dropped since the last publish is made again once
            try:
                if not self.connected:
                    self._redis_connect()
                sent = self.redis.publish(self.channel, self.json.dumps(data))
            except redis.RedisError as err:
                self.connected = False
                if attempt:
                    self.outage.failed(err, "sending a broadcast to the other processes")
                continue
            self.outage.recovered()
            return sent
        return None

    def _redis_listen_with_retries(self):
        wait = 0.5
        subscribed = deaf = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    wait = 0.5
                    self.outage.recovered()
                    if deaf:  # whatever was published meanwhile never arrived here
                        deaf = False
                        self._everyone_syncs()
                yield from self.pubsub.listen()
            except redis.RedisError as err:
                self.outage.failed(err, "listening for the other processes' broadcasts")
                subscribed, deaf = False, True
                time.sleep(wait)  # monkey-patched: a green sleep
                wait = min(LISTEN_RETRY_MAX, wait * 2)

    def _everyone_syncs(self) -> None:
        """Broadcasts from other processes may have been lost meanwhile: every socket of
        this process asks for the truth (``sync_needed``), sent here only."""
        for namespace in NAMESPACES:
            self.server.emit("sync_needed", {}, namespace=namespace, ignore_queue=True)
