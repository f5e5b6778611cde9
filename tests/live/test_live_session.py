"""A session against real server processes (eventlet and gevent), with AsyncClients."""
import asyncio
import sqlite3

import pytest
import socketio

from tests.live.client import connect, create_session, facilitator, facilitator_socket, join, run


def count(db_path: str, sql: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchone()[0]


def db_path(server) -> str:
    return server.database_url.removeprefix("sqlite:///")


async def _setup(server, phones: int = 1, reconnection: bool = False):
    http = await facilitator(server.url, server)
    session_id, code = await create_session(http, server.url)
    console = await facilitator_socket(server.url, http, session_id)
    cookies = [await join(server.url, code, name=f"P{i}") for i in range(phones)]
    socks = [await connect(server.url, "/phone", cookie=c, reconnection=reconnection) for c in cookies]
    return http, session_id, code, console, cookies, socks


def test_a_phone_that_drops_comes_back_as_the_same_participant_and_nothing_is_doubled(live_server):
    async def scenario():
        http, _sid, _code, console, cookies, (phone,) = await _setup(live_server)
        await console.command("phase", to="connect")
        payload = {"cid": "resend-after-drop", "kind": "opening", "scores": {"energy": 4}}
        first = await phone.command("checkin", **payload)
        assert first["ok"]
        await phone.sio.disconnect()  # the network drops; the browser re-sends its buffered emit
        again = await connect(live_server.url, "/phone", cookie=cookies[0])
        snapshot = await again.wait_for(lambda s: s.get("phase") == "connect")
        assert again.received[0]["me"]["checked_in"]["opening"] is True
        repeat = await again.command("checkin", **payload)
        # the stored acknowledgement, with what the check-in set in the phone's own state
        assert repeat == first and repeat["me_changes"] == {"checked_in": {"opening": True}}
        state = await console.wait_for(lambda s: ((s.get("checkins") or {}).get("opening") or {}).get("answered") == 1)
        assert state["counts"]["here"] == 1 and snapshot["phase"] == "connect"
        await asyncio.gather(again.sio.disconnect(), console.sio.disconnect(), http.close())

    run(scenario())
    assert count(db_path(live_server), "SELECT count(*) FROM checkin_answers") == 1
    assert count(db_path(live_server), "SELECT count(*) FROM participants") == 1


def test_presence_has_a_grace_period(live_server):
    async def scenario():
        http, _sid, _code, console, cookies, (phone,) = await _setup(live_server)
        await console.wait_for(lambda s: s["counts"]["here"] == 1)
        await phone.sio.disconnect()
        state = await console.wait_for(lambda s: s["counts"]["reconnecting"] == 1)
        assert state["counts"]["present"] == 1  # a blip does not drop the count
        assert state["participants"][0]["status"] == "reconnecting"
        back = await connect(live_server.url, "/phone", cookie=cookies[0])
        await console.wait_for(lambda s: s["counts"]["here"] == 1 and s["counts"]["reconnecting"] == 0)
        await asyncio.gather(back.sio.disconnect(), console.sio.disconnect(), http.close())

    run(scenario())


def test_sockets_from_another_origin_are_refused(live_server):
    async def scenario():
        http = await facilitator(live_server.url, live_server)
        _sid, code = await create_session(http, live_server.url)
        cookie = await join(live_server.url, code)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await connect(live_server.url, "/phone", cookie=cookie, headers={"Origin": "https://evil.example"})
        same = await connect(live_server.url, "/phone", cookie=cookie, headers={"Origin": live_server.url})
        assert same.sio.connected
        await asyncio.gather(same.sio.disconnect(), http.close())

    run(scenario())


def test_an_oversized_message_closes_only_that_connection(live_server):
    async def scenario():
        http, _sid, _code, console, _cookies, (phone, other) = await _setup(live_server, phones=2)
        await console.command("phase", to="reflect")
        big = "x" * (100 * 1024)
        try:
            await phone.sio.emit("answer", {"cid": "too-big-0001", "card": 1, "text": big, "audience": "group"},
                                 namespace="/phone")
        except Exception:
            pass
        for _ in range(50):
            if not phone.sio.connected:
                break
            await asyncio.sleep(0.1)
        assert not phone.sio.connected
        assert (await other.command("hand", raised=True))["ok"]  # the server and the others carry on
        await asyncio.gather(other.sio.disconnect(), console.sio.disconnect(), http.close())

    run(scenario())
    assert count(db_path(live_server), "SELECT count(*) FROM answers") == 0


def test_too_many_events_get_a_clear_error_and_the_connection_stays(live_server):
    async def scenario():
        http, _sid, _code, console, _cookies, (phone,) = await _setup(live_server)
        replies = [await phone.command("hand", raised=bool(i % 2)) for i in range(70)]
        codes = {r.get("error", {}).get("code") for r in replies if not r["ok"]}
        assert "rate_limited" in codes
        assert phone.sio.connected
        await asyncio.gather(phone.sio.disconnect(), console.sio.disconnect(), http.close())

    run(scenario())


def test_connect_and_disconnect_sent_as_events_are_refused_and_counted(live_server):
    """A client that emits ``connect`` or ``disconnect`` as an ordinary event gets no
    second connect (no snapshot, no presence write, no broadcast) and is not shown as gone;
    each counts toward its event limit."""
    import aiohttp

    async def scenario():
        http, _sid, _code, console, cookies, (phone,) = await _setup(live_server)
        await console.wait_for(lambda s: s["counts"]["here"] == 1)
        url = live_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession(headers={"Cookie": cookies[0]}) as raw:
            async with raw.ws_connect(url) as ws:
                assert (await ws.receive(timeout=10)).data.startswith("0")
                await ws.send_str("40/phone,")
                for _ in range(70):
                    await ws.send_str('42/phone,["connect",{}]')
                await ws.send_str('42/phone,["disconnect"]')
                await ws.send_str('42/phone,5["sync",{}]')
                snapshots, reply = 0, None
                while reply is None:
                    message = str((await ws.receive(timeout=10)).data)
                    if message.startswith("2"):
                        await ws.send_str("3")
                    snapshots += message.startswith('42/phone,["snapshot"')
                    if message.startswith("43/phone,5"):
                        reply = message
                assert snapshots == 1  # the real connect's, and no other
                assert '"rate_limited"' in reply  # 71 refused events counted, then the limit
                # the "disconnect" event forgot no socket: both of the phone's are still there
                assert count(db_path(live_server), "SELECT count(*) FROM socket_presence") == 2
        assert phone.sio.connected
        await asyncio.gather(phone.sio.disconnect(), console.sio.disconnect(), http.close())

    run(scenario())
