"""A Redis that does not answer: loud at start-up, gentle while running.

Each test starts a redis-server of its own on a free port (never the machine's shared
one), so that it can stop it and start it again.

- At start-up, a message queue or rate-limit storage that does not answer stops the
  server with an error naming the setting.
- While running, with Redis stopped: sign-in and join answer 503 "try again in a
  moment" (never 500), the facilitator's commands still apply (the database holds them),
  and the failed broadcasts are logged once, not once per message. Redis started again:
  the phone held by the other process catches up without waiting for another change,
  broadcasts cross processes again, and sign-in works.
"""
from __future__ import annotations

import time

import pytest

from tests.live.client import run
from tests.servers import (
    Browser,
    LiveSocket,
    OwnRedis,
    Server,
    free_port,
    fresh_pg_database,
    join_phone,
    own_redis,
    seed_sessions,
    sign_in,
    stagger_ids,
)

pytestmark = [pytest.mark.live, pytest.mark.timeout(150)]
EMAIL, PASSWORD = "fac@example.org", "a long enough password"


def _post_status(base: str, path: str, form: dict) -> tuple[int, str]:
    browser = Browser(base)
    token = browser.csrf(path)
    return browser.request(path, {**form, "csrf_token": token}, follow=False)


@pytest.mark.parametrize("setting", ["REFLECT_MESSAGE_QUEUE", "REFLECT_RATELIMIT_STORAGE_URL"])
def test_a_redis_that_does_not_answer_at_start_up_stops_the_server_naming_its_setting(setting, tmp_path):
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    server = Server(mode="eventlet", instance=tmp_path / "instance", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                    extra_env={setting: nobody})
    assert server.cli("db", "upgrade").returncode == 0
    with pytest.raises(RuntimeError, match="server exited early"):
        server.start(timeout=30)
    assert server.process.returncode != 0
    log = server.log()
    assert f"{setting}={nobody}: Redis does not answer" in log, log
    assert "Traceback" not in log, log


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_a_redis_outage_is_a_503_and_one_log_line_and_broadcasts_resume(mode, tmp_path):
    with fresh_pg_database() as url, own_redis(tmp_path) as queue:
        env = {"REFLECT_MESSAGE_QUEUE": queue.url}
        a = Server(mode=mode, instance=tmp_path / "a", database_url=url, extra_env=env)
        b = Server(mode=mode, instance=tmp_path / "b", database_url=url, extra_env=env)
        assert a.cli("db", "upgrade").returncode == 0
        stagger_ids(url)
        (session,) = seed_sessions(url, tmp_path / "seed", email=EMAIL, password=PASSWORD, phase="reflect", cards=8)
        a.start()
        b.start()
        try:
            _outage(a, b, queue, session)
        finally:
            a.stop()
            b.stop()
        for server in (a, b):
            log = server.log()
            assert "Traceback" not in log and "Cannot publish to redis" not in log, log[-3000:]
        # one line when Redis went, one when it came back, in the process that broadcast
        lines = [line for line in a.log().splitlines() if "message queue (Redis)" in line]
        assert len(lines) == 2 and "unavailable" in lines[0] and "available again" in lines[1], lines
        # the same for the rate limits' storage (the same Redis), refused twice, then back
        lines = [line for line in a.log().splitlines() if "rate-limit storage (Redis)" in line]
        assert len(lines) == 2 and "unavailable" in lines[0] and "available again" in lines[1], lines


def _outage(a: Server, b: Server, queue: OwnRedis, session: dict) -> None:
    async def scenario():
        facilitator = LiveSocket("/facilitator", "facilitator")
        phone = LiveSocket("/phone", "phone")
        try:
            await facilitator.connect(a.url, cookie=sign_in(a.url, EMAIL, PASSWORD), auth={"session": session["id"]})
            await phone.connect(b.url, cookie=join_phone(b.url, session["code"]))  # held by the other process
            await phone.wait_for(lambda e, d: e == "snapshot", what="snapshot")
            assert (await facilitator.call("card", {"action": "next"}))["ok"]
            await phone.wait_for(lambda e, d: e == "state" and d["card"]["position"] == 1, what="card 2 via Redis")

            queue.stop()
            # sign-in and join: a clear page, not a 500
            for path, form in (("/login", {"email": EMAIL, "password": PASSWORD}), ("/join", {"code": session["code"]}),
                               ("/login", {"email": EMAIL, "password": PASSWORD})):
                status, page = _post_status(a.url, path, form)
                assert status == 503, (path, status)
                assert "Try again in a moment" in page
            # the facilitator's commands still apply: the database holds them
            for _ in range(3):
                assert (await facilitator.call("card", {"action": "next"}))["ok"]

            queue.start()
            # the phone on the other process is told to catch up, without another change:
            # what it asks for then shows card 5
            await phone.wait_for(lambda e, d: e == "sync_needed", timeout=20, what="sync_needed once Redis is back")
            reply = await phone.call("sync", {}, cid=False)
            assert reply["snapshot"]["public"]["card"]["position"] == 4, reply
            # and broadcasts cross processes again
            deadline = time.monotonic() + 15
            while True:
                assert (await facilitator.call("card", {"action": "next"}))["ok"]
                try:
                    await phone.wait_for(lambda e, d: e == "state" and d["card"]["position"] >= 5, timeout=2,
                                         what="a broadcast through Redis")
                    break
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise
            status, _page = _post_status(a.url, "/login", {"email": EMAIL, "password": PASSWORD})
            assert status == 302
        finally:
            await facilitator.close()
            await phone.close()

    run(scenario())

