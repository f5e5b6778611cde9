"""What the server writes to its log: never what people wrote, never a token, never a
join code. A whole session runs against a real server (eventlet and gevent) with
distinctive markers in everything people type, in URLs that carry a code or a token,
and in refused and malformed requests; then the server's log file is searched.

The one secret the log does hold on purpose is the first-run setup link (the designed
way to hand it to whoever installs the server); it is printed only while no account
exists, and none of the tokens checked here is that one.
"""
from __future__ import annotations

import asyncio
import re
import secrets
import uuid
from http.cookies import SimpleCookie

import aiohttp
import pytest

from tests.live.client import PASSWORD, _cookie_header, _csrf, connect, create_session, facilitator, join, run
from tests.servers import prepared_server

LINK = re.compile(r'id="password-link"[^>]*value="([^"]+)"')


@pytest.fixture(params=["eventlet", "gevent"])
def live_server(request, tmp_path):
    server = prepared_server(request.param, tmp_path).start()
    yield server
    server.stop()


def marker(kind: str) -> str:
    return f"MARK{kind.upper()}{uuid.uuid4().hex[:10]}"


def cookie_value(header: str, name: str) -> str:
    return SimpleCookie(header)[name].value


async def malformed_packets(base: str, cookie: str, mark: str) -> None:
    """Raw Socket.IO packets no client library would send: broken JSON with a marker in
    it, JSON nested deeper than the decoder goes, a binary packet announcing an
    attachment, and ``connect``/``disconnect`` sent as ordinary events. Each is dropped
    (``packets.guard_incoming``: one short log line, no traceback, no content); the
    socket stays usable and its next event is answered."""
    url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession(headers={"Cookie": cookie}) as http:
        async with http.ws_connect(url) as ws:
            assert (await ws.receive(timeout=10)).data.startswith("0")
            await ws.send_str("40/phone,")
            while not str((await ws.receive(timeout=10)).data).startswith("40/phone,"):
                pass
            deep = "[" * 20_000 + "]" * 20_000  # under the 64 KB limit
            for bad in ('42/phone,5["answer",{"text":"' + mark + ' never closed',
                        '42/phone,6["answer",' + deep + "]", "42/phone,7" + mark,
                        '451-/phone,9["answer",{"_placeholder":true,"num":0}]',
                        '42/phone,10["connect",{}]', '42/phone,11["disconnect"]'):
                await ws.send_str(bad)
            await ws.send_str('42/phone,8["sync",{}]')
            while True:  # the socket still answers
                message = str((await ws.receive(timeout=10)).data)
                if message.startswith("2"):
                    await ws.send_str("3")  # pong
                if message.startswith("43/phone,8"):
                    assert '"ok":true' in message
                    break
                assert not message.startswith(("43/phone,5", "43/phone,6", "43/phone,7", "43/phone,9",
                                               "43/phone,10", "43/phone,11")), message


def test_a_whole_session_leaves_no_words_tokens_or_codes_in_the_log(live_server):
    base = live_server.url
    secrets_seen: dict[str, str] = {}
    marks = {kind: marker(kind) for kind in
             ("answer", "private", "takeaway", "feeling", "note", "tag", "name", "title", "group", "roster", "bad")}

    async def scenario():
        http = await facilitator(base, live_server)
        # a group and session whose names and roster are markers too
        token, _ = await _csrf(http, base + "/facilitate")
        async with http.post(base + "/facilitate/groups", data={"csrf_token": token, "name": marks["group"],
                                                                "roster": marks["roster"]}) as response:
            assert response.status == 200
        session_id, code = await create_session(http, base, allow_free_feeling="y")
        secrets_seen["join code"] = code
        secrets_seen["facilitator session cookie"] = next(c.value for c in http.cookie_jar if c.key == "reflect_session")
        console = await connect(base, "/facilitator", cookie=_cookie_header(http), auth={"session": session_id})
        async with aiohttp.ClientSession() as anyone:  # the QR code's link carries the code in its URL
            async with anyone.get(f"{base}/join?code={code}") as response:
                assert response.status == 200
        cookies = [await join(base, code, name=marks["name"]), await join(base, code), await join(base, code)]
        secrets_seen["participant cookie"] = cookie_value(cookies[0], "reflect_participant")
        phones = [await connect(base, "/phone", cookie=c) for c in cookies]

        await console.command("phase", to="connect")
        for i, phone in enumerate(phones):
            assert (await phone.command("checkin", kind="opening", scores={"energy": 3}, feeling="calm",
                                        free_word=marks["feeling"][: 40] if i == 0 else None))["ok"]
        await console.command("phase", to="reflect")
        state = await console.wait_for(lambda s: s.get("card") is not None)
        card = state["card"]["id"]
        assert (await phones[0].command("answer", card=card, text=marks["answer"], audience="group"))["ok"]
        assert (await phones[1].command("answer", card=card, text=marks["private"], audience="facilitator"))["ok"]
        # an answer the identifier guard holds back, and malformed or refused commands with markers in them
        held = await phones[2].command("answer", card=card, text=f"{marks['bad']} Jayden Smith born 3/4/2019",
                                       audience="group")
        assert held["ok"] is False
        for payload in ({"text": marks["bad"], "card": "x"}, {"cid": marks["bad"], "to": marks["bad"]}, marks["bad"]):
            reply = await phones[0].sio.call("answer", payload, namespace="/phone", timeout=10)
            assert reply["ok"] is False
        await malformed_packets(base, cookies[2], marks["bad"])
        await console.command("reveal", card=card)
        tag = await console.sio.call("tag_add", {"label": marks["tag"][:40]}, namespace="/facilitator", timeout=10)
        assert tag["ok"]
        saved = await console.sio.call("note_save", {"note": "note-" + secrets.token_hex(6), "text": marks["note"],
                                                     "tags": [tag["tag"]], "share": True},
                                       namespace="/facilitator", timeout=10)
        assert saved["ok"]
        await console.command("phase", to="grow")
        assert (await phones[0].command("takeaway", text=marks["takeaway"], audience="group"))["ok"]
        await console.command("phase", to="ended")
        await asyncio.sleep(0.3)

        # password links: a new account's and a reset's, both opened
        done = live_server.cli("create-user", "--email", "admin@example.org", "--role", "admin",
                               "--password-stdin", input=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
        admin = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        token, _ = await _csrf(admin, base + "/login")
        async with admin.post(base + "/login", data={"csrf_token": token, "email": "admin@example.org",
                                                     "password": PASSWORD}, allow_redirects=False) as response:
            assert response.status == 302
        token, _ = await _csrf(admin, base + "/admin/users")
        async with admin.post(base + "/admin/users", data={"csrf_token": token, "email": "sup@example.org",
                                                           "display_name": "Sup", "role": "supervisor"}) as response:
            new_link = LINK.search(await response.text()).group(1)
        user_id = re.search(r"<td>sup@example\.org</td>.*?/admin/users/(\d+)/reset", await (
            await admin.get(base + "/admin/users")).text(), re.S).group(1)
        async with admin.post(f"{base}/admin/users/{user_id}/reset", data={"csrf_token": token}) as response:
            reset_link = LINK.search(await response.text()).group(1)
        secrets_seen["new-account link token"] = new_link.rsplit("/", 1)[1]
        secrets_seen["reset link token"] = reset_link.rsplit("/", 1)[1]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as person:
            token, _ = await _csrf(person, reset_link)
            async with person.post(reset_link, data={"csrf_token": token, "password": PASSWORD,
                                                     "confirm": PASSWORD}, allow_redirects=False) as response:
                assert response.status == 302
            async with person.get(reset_link) as response:  # used: refused, and still not logged
                assert response.status == 404
            async with person.get(new_link) as response:  # replaced by the reset: refused
                assert response.status == 404
        secrets_seen["admin session cookie"] = next(c.value for c in admin.cookie_jar if c.key == "reflect_session")
        for sock in [console, *phones]:
            await sock.sio.disconnect()
        await asyncio.gather(http.close(), admin.close())

    run(scenario())
    live_server.stop()  # flush and close: everything it will ever write is in the file
    log = live_server.log()
    assert "serving on" in log  # the log file is the right one, and it was written to
    assert "Traceback" not in log, log[-3000:]  # malformed packets: one short line each
    assert "socket packet dropped" in log
    setup_lines = [line for line in log.splitlines() if "?token=" in line]
    assert not setup_lines, "no first-run link is printed once accounts exist"
    leaks = {name: value for name, value in {**secrets_seen, **marks}.items()
             if value in log or value[:20] in log}
    assert not leaks, f"the server log holds: {sorted(leaks)}\n{log[-3000:]}"
    spaced = f"{secrets_seen['join code'][:4]} {secrets_seen['join code'][4:]}"
    assert spaced not in log
