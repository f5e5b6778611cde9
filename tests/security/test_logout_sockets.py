"""Signing out ends the login session *and* its live sockets, on a real server (eventlet
and gevent) with python-socketio AsyncClients: the console socket is told "signed_out",
is disconnected, and cannot come back with the old cookie. Deactivating the account
does the same to every browser the person is signed in with."""
from __future__ import annotations

import re

import aiohttp
import pytest
import socketio

from tests.live.client import PASSWORD, _cookie_header, _csrf, create_session, facilitator, run
from tests.servers import LiveSocket, prepared_server


@pytest.fixture(params=["eventlet", "gevent"])
def live_server(request, tmp_path):
    server = prepared_server(request.param, tmp_path).start()
    yield server
    server.stop()


async def sign_in(base: str, email: str) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    token, _ = await _csrf(http, base + "/login")
    async with http.post(base + "/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                         allow_redirects=False) as response:
        assert response.status == 302
    return http


async def console(base: str, http: aiohttp.ClientSession, session_id: int) -> LiveSocket:
    sock = LiveSocket("/facilitator", "console")
    await sock.connect(base, cookie=_cookie_header(http), auth={"session": session_id})
    await sock.wait_for(lambda event, _data: event == "snapshot", what="the first snapshot")
    return sock


async def signed_out_and_dropped(sock: LiveSocket) -> None:
    await sock.wait_for(lambda event, _data: event == "signed_out", what="signed_out")
    await sock.wait_for(lambda event, _data: event == "disconnect", what="the disconnection")
    assert not sock.sio.connected


async def refused_with(base: str, cookie: str, session_id: int) -> None:
    again = LiveSocket("/facilitator", "stale cookie")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(base, cookie=cookie, auth={"session": session_id})
    await again.close()


def test_sign_out_and_deactivation_close_the_console_sockets(live_server):
    base = live_server.url

    async def scenario():
        http = await facilitator(base, live_server)
        session_id, _code = await create_session(http, base)
        cookie = _cookie_header(http)
        sock = await console(base, http, session_id)
        bystander_http = await sign_in(base, "fac@example.org")  # the same person on another laptop
        bystander = await console(base, bystander_http, session_id)
        assert (await sock.call("lock", {"value": True}))["ok"]

        token, _ = await _csrf(http, base + "/facilitate")
        async with http.post(base + "/logout", data={"csrf_token": token}, allow_redirects=False) as response:
            assert response.status == 302
        await signed_out_and_dropped(sock)
        await refused_with(base, cookie, session_id)
        # only that browser's login ended: the other laptop stays signed in and connected
        assert bystander.sio.connected
        assert (await bystander.call("lock", {"value": False}))["ok"]
        assert not any(event == "signed_out" for event, _ in bystander.events)

        # deactivated by an admin: every browser of that person is signed out
        done = live_server.cli("create-user", "--email", "admin@example.org", "--role", "admin",
                               "--password-stdin", input=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
        admin = await sign_in(base, "admin@example.org")
        token, page = await _csrf(admin, base + "/admin/users")
        user_id = re.search(r"<td>fac@example\.org</td>.*?/admin/users/(\d+)/active", page, re.S).group(1)
        bystander_cookie = _cookie_header(bystander_http)
        async with admin.post(f"{base}/admin/users/{user_id}/active", data={"csrf_token": token, "active": "0"},
                              allow_redirects=False) as response:
            assert response.status == 302
        await signed_out_and_dropped(bystander)
        await refused_with(base, bystander_cookie, session_id)
        async with bystander_http.get(base + "/facilitate", allow_redirects=False) as response:
            assert response.status == 302 and "/login" in response.headers["Location"]
        for closable in (sock, bystander):
            await closable.close()
        for session in (http, bystander_http, admin):
            await session.close()

    run(scenario())
    assert "Traceback" not in live_server.log()
