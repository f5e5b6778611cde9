"""Two server processes behind nginx, sharing PostgreSQL and Redis (eventlet and gevent).

nginx here sends everything to process A while it lives and to process B (a ``backup``
upstream) when A refuses connections, so the tests know which process holds which
socket; the locations and proxy headers are deploy/nginx.conf's own.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, func, select

from reflect.models import Answer, ScreenPresence, SocketPresence
from tests.live.client import run
from tests.servers import (
    LiveSocket,
    Nginx,
    Server,
    display_auth,
    fresh_pg_database,
    join_phone,
    redis_url_for_run,
    seed_sessions,
    sign_in,
    stagger_ids,
)

pytestmark = [pytest.mark.live, pytest.mark.timeout(90)]
MODES = ["eventlet", "gevent"]
EMAIL, PASSWORD = "fac@example.org", "a long enough password"


@dataclass
class Cluster:
    a: Server
    b: Server
    nginx: Nginx
    database_url: str
    session_id: int
    code: str

    def count(self, query) -> int:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(query).scalar_one()
        finally:
            engine.dispose()

    def servers_of(self, presence) -> set[str]:
        """The processes holding the session's sockets, by a presence table."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return set(conn.execute(select(presence.server_id)
                                        .where(presence.session_id == self.session_id)).scalars())
        finally:
            engine.dispose()


@contextmanager
def _cluster(mode: str, tmp_path, *, a_first: bool):
    """Two processes behind nginx. ``a_first``: everything goes to A while it lives, B
    is a backup; else deploy/nginx.conf's own balancing (its hash)."""
    with fresh_pg_database() as url:
        redis = redis_url_for_run()
        env = {"REFLECT_MESSAGE_QUEUE": redis, "REFLECT_RATELIMIT_STORAGE_URL": redis}
        a = Server(mode=mode, instance=tmp_path / "a", database_url=url, extra_env=env)
        b = Server(mode=mode, instance=tmp_path / "b", database_url=url, extra_env=env)
        migrated = a.cli("db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        stagger_ids(url)
        (session,) = seed_sessions(url, tmp_path / "seed", email=EMAIL, password=PASSWORD, phase="connect")
        running = []
        try:
            running.append(a.start())
            running.append(b.start())
            if a_first:
                nginx = Nginx(tmp_path / "nginx", [f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port} backup"], balance=None)
            else:
                nginx = Nginx(tmp_path / "nginx", [f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"])
            running.append(nginx.start())
            yield Cluster(a, b, nginx, url, session["id"], session["code"])
        finally:
            for process in reversed(running):
                process.stop()
            for server in (a, b):
                assert "Traceback" not in server.log(), server.log()[-3000:]


@pytest.fixture(params=MODES)
def cluster(request, tmp_path):
    with _cluster(request.param, tmp_path, a_first=True) as running:
        yield running


def is_state(predicate):
    return lambda event, data: event == "state" and isinstance(data, dict) and predicate(data)


def has_answered(me: dict, card_id: int) -> bool:
    """The phone's own record says it answered this card."""
    return (me.get("responses") or {}).get(str(card_id)) == "answered" or me.get("card_response") == "answered"


def card_position(state: dict) -> int | None:
    return (state.get("card") or {}).get("position")


def test_a_facilitator_on_one_process_and_phones_on_another_see_each_others_events(cluster):
    async def scenario():
        facilitator = LiveSocket("/facilitator", "facilitator")
        display = LiveSocket("/display", "display")
        phones = [LiveSocket("/phone", f"phone{i}") for i in range(3)]
        try:
            # The facilitator signs in and connects through nginx (process A) ...
            await facilitator.connect(cluster.nginx.url, cookie=sign_in(cluster.nginx.url, EMAIL, PASSWORD),
                                      auth={"session": cluster.session_id})
            await facilitator.wait_for(lambda e, d: e == "snapshot", what="snapshot")
            # ... a projector in Spanish straight to process B ...
            await display.connect(cluster.b.url, auth=display_auth(cluster.session_id, "es"))
            await display.wait_for(is_state(lambda s: s["phase"] == "connect"), what="display state")
            # ... the phones join and connect straight to process B.
            for phone in phones:
                await phone.connect(cluster.b.url, cookie=join_phone(cluster.b.url, cluster.code))
                await phone.wait_for(lambda e, d: e == "snapshot", what="snapshot")

            # Presence rows live in the database: A's facilitator sees B's phones as here.
            await facilitator.wait_for(is_state(lambda s: s["counts"]["here"] == 3), what="3 phones here")

            # Phone check-ins handled by B reach the facilitator held by A.
            for phone in phones:
                ack = await phone.call("checkin", {"kind": "opening", "passed": True})
                assert ack["ok"], ack
            await facilitator.wait_for(is_state(lambda s: (s["checkins"]["opening"] or {}).get("passed") == 3),
                                       what="3 passes counted")

            # The facilitator's commands, handled by A, reach the phones held by B.
            assert (await facilitator.call("phase", {"to": "reflect"}))["ok"]
            assert (await facilitator.call("card", {"action": "next"}))["ok"]
            for phone in phones:
                state = await phone.wait_for(is_state(lambda s: card_position(s) == 1), what="card 2")
                assert state[1]["phase"] == "reflect"
            # ... and the projector held by B: A knows it is open from the database.
            await display.wait_for(is_state(lambda s: card_position(s) == 1 and s["phase"] == "reflect"),
                                   what="card 2 on the projector")
            assert cluster.servers_of(SocketPresence) and len(cluster.servers_of(SocketPresence)) == 1
        finally:
            for sock in (facilitator, display, *phones):
                await sock.close()

    run(scenario())
    # nginx logs a websocket when it closes: the facilitator's went to process A.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "/socket.io/" not in cluster.nginx.access_log():
        time.sleep(0.1)
    sockets = [line for line in cluster.nginx.access_log().splitlines() if "/socket.io/" in line]
    assert sockets and all(line.startswith(f"127.0.0.1:{cluster.a.port} ") for line in sockets), sockets


def test_phones_of_a_killed_process_reconnect_to_the_other_and_lose_nothing(cluster):
    answer_cid = "answer-before-the-crash"

    async def scenario():
        facilitator = LiveSocket("/facilitator", "facilitator")
        phones = [LiveSocket("/phone", f"phone{i}") for i in range(3)]
        try:
            # The facilitator is on process B; the phones come through nginx to process A.
            await facilitator.connect(cluster.b.url, cookie=sign_in(cluster.b.url, EMAIL, PASSWORD),
                                      auth={"session": cluster.session_id})
            for phone in phones:
                await phone.connect(cluster.nginx.url, cookie=join_phone(cluster.nginx.url, cluster.code))
                await phone.wait_for(lambda e, d: e == "snapshot", what="snapshot")
            assert (await facilitator.call("phase", {"to": "reflect"}))["ok"]
            first = await phones[0].wait_for(is_state(lambda s: card_position(s) == 0), what="card 1")
            card_id = first[1]["card"]["id"]

            answer = {"cid": answer_cid, "card": card_id, "text": "I noticed the room went quiet.",
                      "audience": "group"}
            acked = await phones[0].call("answer", answer)
            assert acked["ok"] and has_answered(acked["me_changes"], card_id), acked
            await facilitator.wait_for(is_state(lambda s: (s["counts"]["card"] or {}).get("answered") == 1),
                                       what="1 answer counted")
            servers_before = cluster.servers_of(SocketPresence)
            snapshots_before = [sum(e == "snapshot" for e, _ in p.events) for p in phones]

            cluster.a.kill()  # kill -9 mid-session

            for phone, before in zip(phones, snapshots_before):
                await phone.wait_connects(2, timeout=30)
                # After reconnecting, the phone is sent a full snapshot (nothing to miss).
                await phone.wait_for(lambda e, d, p=phone, n=before: sum(x == "snapshot" for x, _ in p.events) > n,
                                     timeout=10, what="snapshot after reconnect")
            latest = [ev for ev in phones[0].events if ev[0] == "snapshot"][-1][1]
            assert has_answered(latest["me"], card_id)
            assert latest["public"]["card"]["id"] == card_id

            # The browser re-sends an emit whose ack it did not see: same id, same ack, stored once.
            again = await phones[0].call("answer", answer)
            assert {k: v for k, v in again.items() if k != "me"} == {k: v for k, v in acked.items() if k != "me"}
            assert cluster.count(select(func.count()).select_from(Answer)
                                 .where(Answer.session_id == cluster.session_id)) == 1

            # The session carries on, on process B alone.
            fresh = await phones[1].call("answer", {"card": card_id, "text": "Me too.", "audience": "group"})
            assert fresh["ok"], fresh
            await facilitator.wait_for(is_state(lambda s: (s["counts"]["card"] or {}).get("answered") == 2),
                                       what="2 answers counted")
            assert cluster.count(select(func.count()).select_from(Answer)
                                 .where(Answer.session_id == cluster.session_id)) == 2
            assert (await facilitator.call("card", {"action": "next"}))["ok"]
            for phone in phones:
                await phone.wait_for(is_state(lambda s: card_position(s) == 1), what="card 2 after the crash")
            servers_after = cluster.servers_of(SocketPresence)
            # The phones' rows now belong to B; A's rows (it had no chance to clean up) stay
            # until the sweep drops them as stale.
            assert servers_after - servers_before, (servers_before, servers_after)
        finally:
            for sock in (facilitator, *phones):
                await sock.close()

    run(scenario())


def test_through_the_deploy_balancing_a_sessions_sockets_share_one_process(tmp_path):
    """deploy/nginx.conf hashes a socket on the session id the pages add to its address
    (``room``): the session's console, projector and phones all land on one process."""
    with _cluster("eventlet", tmp_path, a_first=False) as cluster:
        async def scenario():
            room = f"?room={cluster.session_id}"
            url = cluster.nginx.url + room
            facilitator = LiveSocket("/facilitator", "facilitator")
            display = LiveSocket("/display", "display")
            phones = [LiveSocket("/phone", f"phone{i}") for i in range(8)]
            try:
                await facilitator.connect(url, cookie=sign_in(cluster.nginx.url, EMAIL, PASSWORD),
                                          auth={"session": cluster.session_id})
                await display.connect(url, auth=display_auth(cluster.session_id))
                for phone in phones:
                    await phone.connect(url, cookie=join_phone(cluster.nginx.url, cluster.code))
                    await phone.wait_for(lambda e, d: e == "snapshot", what="snapshot")
                await facilitator.wait_for(is_state(lambda s: s["counts"]["here"] == 8), what="8 phones here")
                return cluster.servers_of(SocketPresence) | cluster.servers_of(ScreenPresence)
            finally:
                for sock in (facilitator, display, *phones):
                    await sock.close()

        servers = run(scenario())
        assert len(servers) == 1, servers
