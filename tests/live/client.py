"""Talking to a real server like a browser does: HTTP forms with CSRF tokens and cookies
(aiohttp), then python-socketio AsyncClients carrying those cookies."""
from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, field

import aiohttp
import socketio

from tests.servers import create_account

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "a long enough password"


async def _csrf(http: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with http.get(url) as response:
        page = await response.text()
    return CSRF.search(page).group(1), page


def _cookie_header(http: aiohttp.ClientSession) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)


async def facilitator(base: str, server) -> aiohttp.ClientSession:
    create_account(server, "fac@example.org", "facilitator", PASSWORD)
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    token, _ = await _csrf(http, base + "/login")
    async with http.post(base + "/login", data={"csrf_token": token, "email": "fac@example.org",
                                                "password": PASSWORD}, allow_redirects=False) as response:
        assert response.status == 302
    return http


async def create_session(http: aiohttp.ClientSession, base: str, roster: str = "Ana\nBeto",
                         **options: str) -> tuple[int, str]:
    """A group and a session of it; ``options``: more of the session form's fields
    (``allow_free_feeling="y"``)."""
    token, _ = await _csrf(http, base + "/facilitate")
    async with http.post(base + "/facilitate/groups", data={"csrf_token": token, "name": "Live group",
                                                            "roster": roster}, allow_redirects=False) as response:
        group_url = base + response.headers["Location"]
    token, page = await _csrf(http, group_url)
    deck = re.search(r'<option value="([^"]+)"', page).group(1)
    async with http.post(group_url + "/sessions", data={
        "csrf_token": token, "deck": deck, "scales": ["energy", "supported"], "allow_names": "y",
        "min_group_size": "3", "title": "Live", **options}, allow_redirects=False) as response:
        session_url = response.headers["Location"]
    session_id = int(session_url.rstrip("/").rsplit("/", 1)[1])
    async with http.get(base + session_url) as response:
        code = re.search(r'id="join-code"[^>]*>([A-Z0-9 ]+)<', await response.text()).group(1).replace(" ", "")
    return session_id, code


async def join(base: str, code: str, name: str | None = None, lang: str = "en") -> str:
    """Join through the HTTP flow; returns the Cookie header the phone then carries."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     headers={"Accept-Language": lang}) as http:
        token, _ = await _csrf(http, base + "/join")
        async with http.post(base + "/join", data={"csrf_token": token, "code": code}, allow_redirects=False) as r:
            assert r.status == 302, await r.text()
        token, _ = await _csrf(http, base + "/join/welcome")
        form = {"csrf_token": token, "agree": "yes", "who": "typed" if name else "none", "display_name": name or ""}
        async with http.post(base + "/join/welcome", data=form, allow_redirects=False) as r:
            assert r.status == 302, await r.text()
        return _cookie_header(http)


@dataclass
class Client:
    """One socket with everything it received, in order."""

    namespace: str
    sio: socketio.AsyncClient
    received: list = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def command(self, event: str, timeout: float = 10, **payload) -> dict:
        payload.setdefault("cid", secrets.token_hex(8))
        return await self.sio.call(event, payload, namespace=self.namespace, timeout=timeout)

    async def wait_for(self, predicate, timeout: float = 10) -> dict:
        """The first state/snapshot (old or new) for which ``predicate`` holds."""
        async def scan():
            seen = 0
            while True:
                for message in self.received[seen:]:
                    state = message.get("public", message)
                    if predicate(state):
                        return state
                seen = len(self.received)
                self.arrived.clear()
                await self.arrived.wait()
        return await asyncio.wait_for(scan(), timeout)


async def connect(base: str, namespace: str, cookie: str | None = None, auth: dict | None = None,
                  reconnection: bool = False, headers: dict | None = None) -> Client:
    # A browser keeps sending its cookies when it reconnects; python-engineio only does
    # so with an HTTP session of our own that holds them.
    from http.cookies import SimpleCookie

    from yarl import URL

    jar = aiohttp.CookieJar(unsafe=True)
    if cookie:
        jar.update_cookies({k: m.value for k, m in SimpleCookie(cookie).items()}, response_url=URL(base))
    http = aiohttp.ClientSession(cookie_jar=jar)
    sio = socketio.AsyncClient(reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=1,
                               http_session=http)
    client = Client(namespace, sio)

    def record(data):
        client.received.append(data)
        client.arrived.set()

    sio.on("state", record, namespace=namespace)
    sio.on("snapshot", record, namespace=namespace)
    await sio.connect(base, headers=dict(headers or {}), namespaces=[namespace], auth=auth, transports=["websocket"],
                      wait_timeout=10)
    return client


async def facilitator_socket(base: str, http: aiohttp.ClientSession, session_id: int) -> Client:
    return await connect(base, "/facilitator", cookie=_cookie_header(http), auth={"session": session_id})


def run(coroutine, timeout: float = 300):
    """Run an async scenario to the end in a thread of its own, so that it works even
    while another event loop is running in this thread (Playwright's sync API keeps one)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout)
