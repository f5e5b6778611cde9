"""Ending a sign-in from the list of open sign-ins closes that sign-in's live sockets at
once, as signing out does, on a real server (eventlet and gevent); the admin's "end all"
closes every browser's. Another sign-in of the same person stays connected."""
from __future__ import annotations

import re

import pytest

from tests.live.client import PASSWORD, _cookie_header, _csrf, create_session, facilitator, run
from tests.security.test_logout_sockets import console, refused_with, sign_in, signed_out_and_dropped
from tests.servers import prepared_server


@pytest.fixture(params=["eventlet", "gevent"])
def live_server(request, tmp_path):
    server = prepared_server(request.param, tmp_path).start()
    yield server
    server.stop()


def test_ending_a_sign_in_closes_its_sockets_and_the_admin_ends_them_all(live_server):
    base = live_server.url

    async def scenario():
        laptop = await facilitator(base, live_server)
        session_id, _code = await create_session(laptop, base)
        laptop_cookie = _cookie_header(laptop)
        laptop_console = await console(base, laptop, session_id)
        desk = await sign_in(base, "fac@example.org")  # the same person at another desk
        desk_console = await console(base, desk, session_id)

        # from the desk, end the laptop's sign-in
        token, page = await _csrf(desk, base + "/account/sign-ins")
        logins = re.findall(r'name="login" value="([0-9a-f]{64})"', page)
        current = re.search(r'this browser.*?name="login" value="([0-9a-f]{64})"', page, re.S).group(1)
        (other,) = [h for h in logins if h != current]
        async with desk.post(base + "/account/sign-ins/end", data={"csrf_token": token, "login": other},
                             allow_redirects=False) as response:
            assert response.status == 302
        await signed_out_and_dropped(laptop_console)
        await refused_with(base, laptop_cookie, session_id)
        assert desk_console.sio.connected
        assert (await desk_console.call("lock", {"value": True}))["ok"]

        # the admin ends every sign-in of that person: the desk goes too
        done = live_server.cli("create-user", "--email", "admin@example.org", "--role", "admin",
                               "--password-stdin", input=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
        admin = await sign_in(base, "admin@example.org")
        token, page = await _csrf(admin, base + "/admin/users")
        user_id = re.search(r"<td>fac@example\.org</td>.*?/admin/users/(\d+)/sign-ins/end", page, re.S).group(1)
        desk_cookie = _cookie_header(desk)
        async with admin.post(f"{base}/admin/users/{user_id}/sign-ins/end", data={"csrf_token": token},
                              allow_redirects=False) as response:
            assert response.status == 302
        await signed_out_and_dropped(desk_console)
        await refused_with(base, desk_cookie, session_id)
        for closable in (laptop_console, desk_console):
            await closable.close()
        for session in (laptop, desk, admin):
            await session.close()

    run(scenario())
    assert "Traceback" not in live_server.log()
