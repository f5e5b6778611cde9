"""A slow query in one room does not hold up a broadcast in another (PostgreSQL, eventlet
and gevent); it does hold up the next event of the same socket, which waits its turn.

The test makes a command slow without any hook in the app: its own connection takes the
row lock on session A's row (``SELECT ... FOR UPDATE`` in an open transaction), so the
server's facilitator command on A waits in ``with_for_update`` (a query that cannot
finish) until the test lets go. Meanwhile a command on session B must reach B's phone.
What is asserted is the order of events, not a duration.
"""
from __future__ import annotations

import asyncio

import pytest
import socketio.exceptions
from sqlalchemy import create_engine, text

from tests.live.client import run
from tests.servers import LiveSocket, join_phone, pg_server_with_sessions, sign_in

pytestmark = [pytest.mark.live, pytest.mark.timeout(90)]
EMAIL, PASSWORD = "fac@example.org", "a long enough password"


@pytest.fixture(params=["eventlet", "gevent"])
def pg_server(request, tmp_path):
    with pg_server_with_sessions(request.param, tmp_path, email=EMAIL, password=PASSWORD,
                                 count=2) as (server, sessions, _url):
        yield server, sessions


def waiting_on_a_lock(url: str) -> int:
    """How many other connections to this database wait for a lock right now."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar_one()
    finally:
        engine.dispose()


async def until_waiting_on_a_lock(url: str, what: str) -> None:
    """Return once a server connection waits for a row lock (polled for up to 10 s)."""
    for _ in range(200):
        if await asyncio.to_thread(waiting_on_a_lock, url):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} never waited for the row lock")


def test_a_command_blocked_in_the_database_does_not_delay_another_rooms_broadcast(pg_server):
    server, (room_a, room_b) = pg_server
    url = server.database_url
    journal: list[tuple[str, str, object]] = []  # (who, event, data) in the order they happened

    async def scenario():
        cookie = sign_in(server.url, EMAIL, PASSWORD)
        console_a = LiveSocket("/facilitator", "console A", journal)
        console_b = LiveSocket("/facilitator", "console B", journal)
        phone_b = LiveSocket("/phone", "phone B", journal)
        locker = create_engine(url).connect()
        try:
            await console_a.connect(server.url, cookie=cookie, auth={"session": room_a["id"]})
            await console_b.connect(server.url, cookie=cookie, auth={"session": room_b["id"]})
            await phone_b.connect(server.url, cookie=join_phone(server.url, room_b["code"]))
            await phone_b.wait_for(lambda e, d: e == "snapshot", what="snapshot")

            # The test holds session A's row ...
            hold = locker.begin()
            locker.execute(text("SELECT id FROM group_sessions WHERE id = :id FOR UPDATE"), {"id": room_a["id"]})

            async def command_a():
                ack = await console_a.call("card", {"action": "next"}, timeout=30)
                journal.append(("console A", "ack", ack))
                return ack

            # ... so the server's command on A waits inside its query.
            blocked = asyncio.create_task(command_a())
            await until_waiting_on_a_lock(url, "the command on session A")
            assert not blocked.done()

            try:
                # Meanwhile session B's command is handled and broadcast to B's phone.
                ack_b = await console_b.call("card", {"action": "next"}, timeout=10)
                assert ack_b["ok"], ack_b
                await phone_b.wait_for(lambda e, d: e == "state" and d["card"]["position"] == 1,
                                       timeout=10, what="B's next card")
            except (AssertionError, asyncio.TimeoutError, socketio.exceptions.TimeoutError):
                pass  # the order assertion below reports what happened
            finally:
                journal.append(("test", "release", None))
                hold.rollback()  # let A go: only now can its command finish

            ack_a = await asyncio.wait_for(blocked, 30)
            assert ack_a["ok"], ack_a
            await phone_b.wait_for(lambda e, d: e == "state" and d["card"]["position"] == 1,
                                   timeout=10, what="B's next card")
        finally:
            locker.close()
            locker.engine.dispose()
            for sock in (console_a, console_b, phone_b):
                await sock.close()

    run(scenario())
    order = [(who, event) for who, event, data in journal
             if (who, event) in (("console A", "ack"), ("test", "release"))
             or (who == "phone B" and event == "state" and data["card"]["position"] == 1)]
    # B's broadcast arrived while A's command was still held in the database.
    assert order == [("phone B", "state"), ("test", "release"), ("console A", "ack")], order
    assert "Traceback" not in server.log(), server.log()[-3000:]


def test_a_sockets_events_are_handled_one_at_a_time_in_the_order_it_sent_them(pg_server):
    """Each socket's events run one after another (python-socketio ``async_handlers=False``):
    while a console's command waits in the database, the same console's next event (a
    "sync", which takes no lock and would otherwise be answered at once) waits behind it,
    so a client's events apply in the order it sent them and one client never holds more
    than one of the process's database connections."""
    server, (room_a, _room_b) = pg_server
    url = server.database_url
    journal: list[tuple[str, str, object]] = []

    async def scenario():
        cookie = sign_in(server.url, EMAIL, PASSWORD)
        console = LiveSocket("/facilitator", "console", journal)
        locker = create_engine(url).connect()
        try:
            await console.connect(server.url, cookie=cookie, auth={"session": room_a["id"]})
            hold = locker.begin()
            locker.execute(text("SELECT id FROM group_sessions WHERE id = :id FOR UPDATE"), {"id": room_a["id"]})

            async def send(event: str, payload: dict, cid: bool):
                ack = await console.call(event, payload, timeout=30, cid=cid)
                journal.append(("console", f"{event} ack", ack))
                return ack

            card = asyncio.create_task(send("card", {"action": "next"}, True))
            await until_waiting_on_a_lock(url, "the card command")
            sync = asyncio.create_task(send("sync", {}, False))
            await asyncio.sleep(1)  # time enough for a "sync" handled on its own to be answered
            journal.append(("test", "release", None))
            hold.rollback()
            assert (await asyncio.wait_for(card, 30))["ok"]
            assert "snapshot" in await asyncio.wait_for(sync, 30)
        finally:
            locker.close()
            locker.engine.dispose()
            await console.close()

    run(scenario())
    order = [(who, event) for who, event, _data in journal if event in ("card ack", "sync ack", "release")]
    assert order == [("test", "release"), ("console", "card ack"), ("console", "sync ack")], order
    assert "Traceback" not in server.log(), server.log()[-3000:]
