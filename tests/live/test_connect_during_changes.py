"""Sockets that connect while the facilitator moves the card end up with the latest version.

A connection's first state (a phone's or console's snapshot, a projector's state) is read
while changes are being committed and broadcast. Whatever the order of that read, the
socket's joining of its rooms and a change's broadcast, every socket must end on the
session's current version without waiting for a later change. The clients here keep their
version as the pages do (``static/js/live.js``): a connection's first snapshot is taken as
the truth, a state only if it is not older, a sync's reply only if it is not older, and
``sync_needed`` asks for a sync.
"""
from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio
from sqlalchemy import create_engine, select

from reflect.models import GroupSession
from tests.conftest import BACKENDS
from tests.live.client import run
from tests.servers import (
    LiveSocket,
    Server,
    display_auth,
    fresh_pg_database,
    join_phone,
    prepared_server,
    seed_sessions,
    sign_in,
)

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]
EMAIL, PASSWORD = "fac@example.org", "a long enough password"
PHONES, ROUNDS = 40, 4


class PageModel:
    """One socket keeping its version the way the pages do."""

    def __init__(self, namespace: str, cookie: str | None = None, auth: dict | None = None):
        self.namespace, self.cookie, self.auth = namespace, cookie, auth
        self.version = 0
        self.sio: socketio.AsyncClient | None = None
        self.first = asyncio.Event()

    @staticmethod
    def _version(data) -> int | None:
        if not isinstance(data, dict):
            return None
        data = data.get("public", data)
        return data.get("version") if isinstance(data.get("version"), int) else None

    async def connect(self, url: str) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.first = asyncio.Event()
        self.connected = self.sync_wanted = False
        ns = self.namespace

        async def on_snapshot(data):  # the truth a connection starts with
            version = self._version(data)
            if version is not None:
                self.version = version
            self.first.set()

        async def on_state(data):
            version = self._version(data)
            if version is None or version < self.version:
                return
            gap = self.version and version > self.version + 1
            self.version = version
            self.first.set()
            if gap and self.connected:
                await self.sync()

        async def on_sync_needed(_data=None):
            # the browser's client holds a namespace's events until it is connected
            if self.connected:
                await self.sync()
            else:
                self.sync_wanted = True

        self.sio.on("snapshot", on_snapshot, namespace=ns)
        self.sio.on("state", on_state, namespace=ns)
        self.sio.on("sync_needed", on_sync_needed, namespace=ns)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        await self.sio.connect(url, headers=headers, auth=self.auth, namespaces=[ns], transports=["websocket"],
                               wait_timeout=20)
        self.connected = True
        if self.sync_wanted:
            await self.sync()

    async def sync(self) -> None:
        reply = await self.sio.call("sync", {}, namespace=self.namespace, timeout=15)
        if isinstance(reply, dict) and reply.get("ok"):
            version = self._version(reply.get("snapshot") or reply.get("state"))
            if version is not None and version >= self.version:
                self.version = version

    async def close(self) -> None:
        if self.sio is not None:
            await self.sio.disconnect()


def _db_version(database_url: str, session_id: int) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(GroupSession.version).where(GroupSession.id == session_id)).scalar_one()
    finally:
        engine.dispose()


def _scenario(server: Server, database_url: str, session: dict) -> list[str]:
    """Rounds of: every socket connects at once, and the card moves 20-300 ms later.
    Returns, per round, the sockets left behind the database's version."""
    base = server.url
    with ThreadPoolExecutor(8) as pool:
        cookies = list(pool.map(lambda i: join_phone(base, session["code"], source=f"127.0.{i // 200}.{i % 200 + 2}"),
                                range(PHONES)))
    staff_cookie = sign_in(base, EMAIL, PASSWORD)

    async def scenario() -> list[str]:
        facilitator = LiveSocket("/facilitator", "facilitator")
        await facilitator.connect(base, cookie=staff_cookie, auth={"session": session["id"]})
        behind: list[str] = []
        rng = random.Random(33)
        try:
            for number in range(ROUNDS):
                pages = [PageModel("/phone", cookie=c) for c in cookies]
                pages.append(PageModel("/facilitator", cookie=staff_cookie, auth={"session": session["id"]}))
                pages.append(PageModel("/display", auth=display_auth(session["id"])))

                async def move_soon():
                    await asyncio.sleep(rng.uniform(0.02, 0.3))
                    ack = await facilitator.call("card", {"action": "next" if number % 2 == 0 else "prev"})
                    assert ack["ok"], ack

                await asyncio.gather(move_soon(), *(page.connect(base) for page in pages))
                await asyncio.gather(*(asyncio.wait_for(page.first.wait(), 20) for page in pages))
                current = _db_version(database_url, session["id"])
                deadline = asyncio.get_running_loop().time() + 10
                while asyncio.get_running_loop().time() < deadline and any(p.version < current for p in pages):
                    await asyncio.sleep(0.1)
                late = [f"{p.namespace} at {p.version}" for p in pages if p.version < current]
                if late:
                    behind.append(f"round {number + 1}: version {current}, {len(late)} behind: {late[:5]}")
                await asyncio.gather(*(page.close() for page in pages))
        finally:
            await facilitator.close()
        return behind

    return run(scenario())


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_socket_connecting_during_card_moves_ends_on_the_latest_version(backend, mode, tmp_path):
    if backend == "postgresql":
        with fresh_pg_database() as url:
            server = prepared_server(mode, tmp_path, database_url=url)
            _run_on(server, url, tmp_path)
    else:
        server = prepared_server(mode, tmp_path)
        _run_on(server, server.database_url, tmp_path)


def _run_on(server: Server, url: str, tmp_path) -> None:
    (session,) = seed_sessions(url, tmp_path / "seed", email=EMAIL, password=PASSWORD, phase="reflect", cards=20)
    server.start()
    try:
        behind = _scenario(server, url, session)
    finally:
        server.stop()
    assert not behind, behind
    assert "Traceback" not in server.log(), server.log()[-3000:]
