"""A real server whose connection pool runs out (PostgreSQL, eventlet and gevent).

The server keeps one connection and opens five more on demand, and waits one second for a
free one. Another client holds the session's row locked (a slow transaction): the
phones' answers wait for it, each holding a connection, until none is left. Then the
answers beyond the pool are answered ``busy`` and joining answers 503, each within the
pool's wait rather than after half a minute; the outage is logged once. Once the row is
free, every answer, sent again with its id as the pages do, is stored exactly once.
"""
from __future__ import annotations

import asyncio
import secrets

import pytest
from sqlalchemy import create_engine, func, select, text

from reflect.models import Answer
from tests.live.client import run
from tests.servers import Browser, LiveSocket, Server, fresh_pg_database, join_phone, seed_sessions

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]
EMAIL, PASSWORD = "fac@example.org", "a long enough password"
PHONES = 9  # more than the pool's 1 + 5


async def _answer_until_done(phone: LiveSocket, payload: dict) -> tuple[dict, int]:
    """Send as the page does: a "busy" answer is sent again, same id, a moment later."""
    busy = 0
    for _ in range(20):
        reply = await phone.call("answer", payload, timeout=30)
        if reply.get("error", {}).get("code") != "busy":
            return reply, busy
        busy += 1
        await asyncio.sleep(0.5)
    raise AssertionError(f"{phone.label}: still busy")


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_an_exhausted_pool_is_a_brief_refusal_and_nothing_is_lost(mode, tmp_path):
    with fresh_pg_database() as url:
        server = Server(mode=mode, instance=tmp_path / "instance", database_url=url,
                        extra_env={"REFLECT_DATABASE_POOL_SIZE": "1", "REFLECT_DATABASE_POOL_TIMEOUT": "1"})
        assert server.cli("db", "upgrade").returncode == 0
        (session,) = seed_sessions(url, tmp_path / "seed", email=EMAIL, password=PASSWORD, phase="reflect")
        server.start()
        holder = create_engine(url)
        try:
            cookies = [join_phone(server.url, session["code"]) for _ in range(PHONES)]
            busy_seen, join_status = run(_scenario(server, url, holder, session, cookies))
        finally:
            server.stop()
            holder.dispose()
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(Answer)
                                  .where(Answer.session_id == session["id"])).scalar_one()
        engine.dispose()
    assert join_status == 503
    assert busy_seen > 0  # some answers found no connection ...
    assert stored == PHONES  # ... and every one was stored once in the end
    log = server.log()
    assert "Traceback" not in log, log[-3000:]
    lines = [line for line in log.splitlines() if "database connection pool" in line]
    assert len(lines) == 2 and "unavailable" in lines[0] and "available again" in lines[1], lines


async def _scenario(server: Server, url: str, holder, session: dict, cookies: list[str]) -> tuple[int, int]:
    phones = [LiveSocket("/phone", f"phone{i}") for i in range(PHONES)]
    lock = holder.connect()
    try:
        for phone, cookie in zip(phones, cookies):
            await phone.connect(server.url, cookie=cookie)
        first = await phones[0].wait_for(lambda e, d: e == "snapshot", what="snapshot")
        card = first[1]["public"]["card"]["id"]
        transaction = lock.begin()
        lock.execute(text("SELECT id FROM group_sessions WHERE id = :id FOR UPDATE"), {"id": session["id"]})
        payloads = [{"cid": secrets.token_hex(8), "card": card, "text": f"Answer {i}", "audience": "group"}
                    for i in range(PHONES)]
        sending = [asyncio.create_task(_answer_until_done(p, payload)) for p, payload in zip(phones, payloads)]
        await asyncio.sleep(3)  # the answers beyond the pool have been refused as busy by now
        # joining needs a connection too: a brief "try again in a moment"
        join_status = await asyncio.to_thread(_post_join, server.url, session["code"])
        transaction.commit()  # the slow transaction ends
        results = await asyncio.gather(*sending)
        assert all(reply["ok"] for reply, _ in results), results
        return sum(busy for _, busy in results), join_status
    finally:
        lock.close()
        for phone in phones:
            await phone.close()


def _post_join(base: str, code: str) -> int:
    browser = Browser(base)
    token = browser.csrf("/join")
    status, _page = browser.request("/join", {"code": code, "csrf_token": token}, follow=False)
    return status
