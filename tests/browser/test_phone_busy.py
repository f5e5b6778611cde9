"""A phone's answer that the server answers "busy" (no database connection came free in
time) is sent again by the page with the same command id, and stored once.

A real server on PostgreSQL keeps one connection and opens five more on demand, and waits
one second for a free one. The session's row is held locked by another client, and six
other phones' answers wait for it, holding every connection: the page's answer is
answered "busy". Once the row is free, the page's next try is stored.
"""
from __future__ import annotations

import re
import threading

from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select, text

from reflect.models import Answer
from tests.browsers import wait_in_page
from tests.live.client import run
from tests.servers import LiveSocket, fresh_pg_database, join_phone, prepared_server, seed_sessions

EMAIL, PASSWORD = "fac@example.org", "a long enough password"
HOLDERS = 6  # the pool's 1 connection and its 5 more on demand
WRITTEN = "Written while the server was busy"


def _holders(base: str, cookies: list[str], card: int, ready: threading.Event, go: threading.Event) -> None:
    async def scenario():
        import asyncio

        phones = [LiveSocket("/phone", f"holder{i}") for i in range(HOLDERS)]
        try:
            for phone, cookie in zip(phones, cookies):
                await phone.connect(base, cookie=cookie)
            ready.set()
            await asyncio.to_thread(go.wait, 30)  # the row is locked
            replies = await asyncio.gather(*(p.call("answer", {"card": card, "text": "x", "audience": "group"},
                                                    timeout=60) for p in phones))
            assert all(r["ok"] or r["error"]["code"] == "busy" for r in replies), replies
        finally:
            for phone in phones:
                await phone.close()

    run(scenario())


def test_an_answer_answered_busy_is_sent_again_and_stored_once(tmp_path, new_page):
    with fresh_pg_database() as url:
        server = prepared_server("eventlet", tmp_path, database_url=url, REFLECT_DATABASE_POOL_SIZE="1",
                                 REFLECT_DATABASE_POOL_TIMEOUT="1")
        (session,) = seed_sessions(url, tmp_path / "seed", email=EMAIL, password=PASSWORD, phase="reflect")
        server.start()
        engine = create_engine(url)
        try:
            phone = new_page("phone")
            frames: list[str] = []
            phone.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
            phone.goto(server.url + "/join")
            phone.locator("#code").fill(session["code"])
            phone.locator("main form button[type=submit]").click()
            phone.locator("#agree").check()
            phone.locator("main form button[type=submit]").click()
            expect(phone).to_have_url(re.compile(r"/p$"))
            expect(phone.locator("#answer-form")).to_be_visible()
            with engine.connect() as conn:
                card = conn.execute(text("SELECT id FROM session_cards WHERE session_id = :s ORDER BY position "
                                         "LIMIT 1"), {"s": session["id"]}).scalar_one()
            cookies = [join_phone(server.url, session["code"]) for _ in range(HOLDERS)]

            ready, go = threading.Event(), threading.Event()
            holders = threading.Thread(target=_holders, args=(server.url, cookies, card, ready, go))
            holders.start()
            assert ready.wait(30)
            lock = engine.connect()
            transaction = lock.begin()
            lock.execute(text("SELECT id FROM group_sessions WHERE id = :id FOR UPDATE"), {"id": session["id"]})
            go.set()
            phone.wait_for_timeout(1000)  # the holders' answers are waiting for the row
            phone.locator("#answer-text").fill(WRITTEN)
            phone.locator("#answer-form button[type=submit]").click()
            assert wait_in_page(phone, lambda: any('"busy"' in f for f in frames), 15_000), frames[-5:]
            transaction.commit()  # the slow transaction ends
            lock.close()
            expect(phone.locator("#answer-done")).to_be_visible()
            holders.join(60)
            with engine.connect() as conn:
                stored = conn.execute(select(func.count()).select_from(Answer)
                                      .where(Answer.session_id == session["id"], Answer.text == WRITTEN)).scalar_one()
            assert stored == 1
        finally:
            engine.dispose()
            server.stop()
    assert "Traceback" not in server.log(), server.log()[-3000:]
