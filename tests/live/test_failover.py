"""Failover through deploy/nginx.conf, every time a process fails, not only the first.

Two server processes (one under eventlet, one under gevent; PostgreSQL, Redis) behind Debian's nginx with the deploy file's
balancing, upstream and locations. A session's sockets share the process its id hashes
to. Five times, alternately, the process holding them is killed (``kill -9``) and then
started again: every phone (websocket-only ones, and ones that start with long-polling as
the pages do when websockets fail) and the console must be connected again within 10 s
of each kill, and every answer acknowledged in any cycle is stored exactly once.
"""
from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select

from reflect.models import Answer
from tests.live.client import run
from tests.servers import (
    LiveSocket,
    Nginx,
    Server,
    fresh_pg_database,
    join_phone,
    redis_url_for_run,
    seed_sessions,
    sign_in,
    stagger_ids,
)

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]
EMAIL, PASSWORD = "fac@example.org", "a long enough password"
CYCLES, BACK_WITHIN_S = 5, 10
WEBSOCKET_PHONES, POLLING_FIRST_PHONES = 4, 3


def _scalar(url: str, query):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


async def _connect(sock: LiveSocket, url: str, cookie: str, auth: dict | None, transports: list[str]) -> None:
    def headers():  # a fresh dict per (re)connection (see LiveSocket.connect)
        return {"Cookie": cookie}

    await sock.sio.connect(url, headers=headers, auth=auth, namespaces=[sock.namespace], transports=transports,
                           wait_timeout=10)


def test_every_phone_is_back_within_10_s_after_each_of_five_kills(tmp_path):
    with fresh_pg_database() as url:
        redis = redis_url_for_run()
        env = {"REFLECT_MESSAGE_QUEUE": redis, "REFLECT_RATELIMIT_STORAGE_URL": redis}
        # one process under each async mode: both are failed over from and to
        servers = [Server(mode=mode, instance=tmp_path / mode, database_url=url, extra_env=env)
                   for mode in ("eventlet", "gevent")]
        assert servers[0].cli("db", "upgrade").returncode == 0
        stagger_ids(url)
        (session,) = seed_sessions(url, tmp_path / "seed", email=EMAIL, password=PASSWORD, phase="reflect",
                                   cards=CYCLES + 2)
        with ThreadPoolExecutor() as pool:  # both start at once; each waits until it answers
            started = list(pool.map(Server.start, servers))
        nginx = Nginx(tmp_path / "nginx", [f"127.0.0.1:{s.port}" for s in started])
        nginx.start()
        try:
            acked, killed = run(_cycles(servers, nginx, url, session))
        finally:
            nginx.stop()
            for server in servers:
                server.stop()
        stored = _scalar(url, select(func.count()).select_from(Answer).where(Answer.session_id == session["id"]))
        assert stored == acked, (stored, acked)
        assert set(killed) == {s.port for s in servers}, killed  # both processes, in turn
        for server in servers:
            assert "Traceback" not in server.log(), server.log()[-3000:]
        assert "no live upstreams" not in nginx.log(), nginx.log()[-3000:]


async def _cycles(servers: list[Server], nginx: Nginx, url: str, session: dict) -> tuple[int, list[int]]:
    base = f"{nginx.url}/?room={session['id']}"
    phones = [LiveSocket("/phone", f"ws{i}") for i in range(WEBSOCKET_PHONES)]
    phones += [LiveSocket("/phone", f"polling{i}") for i in range(POLLING_FIRST_PHONES)]
    console = LiveSocket("/facilitator", "console")
    everyone = [*phones, console]
    acked, killed = 0, []
    try:
        for i, phone in enumerate(phones):
            await _connect(phone, base, join_phone(nginx.url, session["code"]), None,
                           ["websocket"] if i < WEBSOCKET_PHONES else ["polling", "websocket"])
        await _connect(console, base, sign_in(nginx.url, EMAIL, PASSWORD), {"session": session["id"]}, ["websocket"])
        for cycle in range(CYCLES):
            holder = _holder(servers)
            connects = [sock.connects for sock in everyone]
            holder.kill()
            killed.append(holder.port)
            killed_at = time.monotonic()
            late = []
            for sock, before in zip(everyone, connects):
                left = BACK_WITHIN_S - (time.monotonic() - killed_at)
                try:
                    await sock.wait_connects(before + 1, timeout=max(left, 0.01))
                except AssertionError:
                    late.append(sock.label)
            assert not late, f"cycle {cycle + 1}: not back within {BACK_WITHIN_S} s: {late}"
            # the session carries on: the card moves, and every phone answers it
            ack = await console.call("card", {"action": "next"})
            assert ack["ok"], ack
            card = (await phones[0].wait_for(
                lambda e, d, n=cycle + 1: e == "state" and (d.get("card") or {}).get("position") == n,
                what=f"card {cycle + 2}"))[1]["card"]["id"]
            replies = await asyncio.gather(*(p.call("answer", {"card": card, "text": f"cycle {cycle}",
                                                               "audience": "group"}) for p in phones))
            assert all(r["ok"] for r in replies), replies
            acked += len(replies)
            # back on its port, for the next cycle to fail over to it; started in a thread,
            # so that the sockets go on hearing the server while it starts
            await asyncio.to_thread(holder.start)
            await _settled(everyone)
        return acked, killed
    finally:
        for sock in everyone:
            await sock.close()


async def _settled(everyone: list[LiveSocket], timeout: float = 10) -> None:
    """Wait until every socket is connected over a websocket (the polling-first phones
    have upgraded), so that the next kill finds them all held by one process."""
    deadline = time.monotonic() + timeout
    while waiting := [sock.label for sock in everyone
                      if not (sock.sio.connected and sock.sio.transport() == "websocket")]:
        assert time.monotonic() < deadline, f"not connected over a websocket within {timeout} s: {waiting}"
        await asyncio.sleep(0.05)


def _holder(servers: list[Server]) -> Server:
    """The process holding the session's sockets: the one with open connections from nginx
    (counted in /proc/net/tcp, established, on its port)."""
    def established(port: int) -> int:
        lines = open("/proc/net/tcp").read().splitlines()[1:]
        return sum(1 for line in lines if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "01")

    running = [s for s in servers if s.process and s.process.poll() is None]
    busiest = max(running, key=lambda s: established(s.port))
    assert established(busiest.port) > 0, "no process holds the session's sockets"
    return busiest
