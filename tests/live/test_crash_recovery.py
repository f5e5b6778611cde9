"""kill -9 in the middle of a session: nothing acknowledged is lost, nothing is doubled,
and phones reconnect and resync by themselves. Under eventlet and gevent."""
import asyncio
import secrets
import sqlite3

from tests.live.client import connect, create_session, facilitator, facilitator_socket, join, run


def rows(server, sql):
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql).fetchall()


async def _send(client, event, payload):
    try:
        return await client.sio.call(event, payload, namespace=client.namespace, timeout=3)
    except Exception:
        return None  # not acknowledged: the phone will try again with the same id


async def resend(client, event, payload, attempts=40):
    """What the browser client does with an unacknowledged emit: send it again (same
    command id) once the socket is back."""
    for _ in range(attempts):
        if client.namespace in client.sio.namespaces:
            reply = await _send(client, event, payload)
            if reply is not None:
                return reply
        await asyncio.sleep(0.25)
    return None


def test_kill_9_mid_session_loses_nothing_acknowledged_and_doubles_nothing(live_server):
    sent = {}

    async def before_crash():
        http = await facilitator(live_server.url, live_server)
        session_id, code = await create_session(http, live_server.url)
        console = await facilitator_socket(live_server.url, http, session_id)
        cookies = [await join(live_server.url, code, name=f"P{i}") for i in range(4)]
        phones = [await connect(live_server.url, "/phone", cookie=c, reconnection=True) for c in cookies]
        await console.command("phase", to="connect")
        for i, phone in enumerate(phones):
            assert (await phone.command("checkin", kind="opening", scores={"energy": 1 + i}))["ok"]
        note = {"note": "note-crash-0001", "text": "A note written before the crash", "tags": [], "share": False}
        assert (await console.sio.call("note_save", note, namespace="/facilitator"))["ok"]
        await console.command("phase", to="reflect")
        card = (await phones[0].wait_for(lambda s: s.get("card")))["card"]["id"]
        for i, phone in enumerate(phones):
            sent[i] = {"cid": secrets.token_hex(8), "card": card, "text": f"answer from phone {i}", "audience": "group"}
        acked = [await _send(phones[0], "answer", sent[0]), await _send(phones[1], "answer", sent[1])]
        assert all(a and a["ok"] for a in acked)
        in_flight = [asyncio.create_task(_send(phones[i], "answer", sent[i])) for i in (2, 3)]
        await asyncio.sleep(0)  # the last two are on the wire when the server dies
        live_server.kill()
        await asyncio.gather(*in_flight)
        return http, console, phones

    def snapshots(phone):
        return sum(1 for message in phone.received if "me" in message)

    async def after_restart(http, console, phones):
        before = [snapshots(phone) for phone in phones]
        live_server.start()
        for phone, seen in zip(phones, before):  # each phone reconnects by itself and resyncs
            await phone.wait_for(lambda s, phone=phone, seen=seen: snapshots(phone) > seen, timeout=30)
            assert phone.received[-1]["public"]["phase"] == "reflect"
        for i, phone in enumerate(phones):  # anything not acknowledged is sent again, same id
            reply = await resend(phone, "answer", sent[i])
            assert reply and reply["ok"], reply
            assert reply["me_changes"] == {"responses": {str(sent[i]["card"]): "answered"}}
        await asyncio.gather(*(p.sio.disconnect() for p in phones), console.sio.disconnect(), http.close())

    async def scenario():
        await after_restart(*await before_crash())

    run(scenario())
    assert rows(live_server, "SELECT count(*) FROM checkin_answers") == [(4,)]
    assert sorted(r[0] for r in rows(live_server, "SELECT text FROM answers")) == [f"answer from phone {i}" for i in range(4)]
    assert rows(live_server, "SELECT text FROM notes") == [("A note written before the crash",)]
    assert rows(live_server, "SELECT count(*) FROM response_marks") == [(4,)]
