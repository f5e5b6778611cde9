"""Real server processes for the live and browser tiers.

Each server is ``python -m reflect run`` (the same entry point as ``make run``) on a
free port of 127.0.0.1, with its own instance folder and database, in the async
mode asked for. Its log is kept in a file the tests can read.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


LIVE_SECRET_KEY = "live-test-secret"


def display_auth(session_id: int, lang: str = "en") -> dict:
    """What a projector sends to connect to a live server's session: the key its
    console's "Open the projector view" link carries."""
    from flask import Flask

    from reflect.rooms.keys import display_key

    app = Flask(__name__)
    app.config["SECRET_KEY"] = LIVE_SECRET_KEY
    with app.app_context():
        return {"session": session_id, "key": display_key(session_id), "lang": lang}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def merge_partial(last: dict, partial: dict) -> dict:
    """What the console shows after a partial facilitator state (``"partial": true``): the
    last state with the parts it carries, and its counts merged into the last counts."""
    return {**last, **partial, "counts": {**last.get("counts", {}), **partial.get("counts", {})}}


@dataclass
class Server:
    mode: str
    instance: Path
    database_url: str
    port: int = 0
    extra_env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
        env.update(
            REFLECT_ASYNC_MODE=self.mode,
            REFLECT_DATABASE_URL=self.database_url,
            REFLECT_INSTANCE_PATH=str(self.instance),
            REFLECT_SECRET_KEY=LIVE_SECRET_KEY,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "reflect", *args], env=self.env(), cwd=ROOT,
            input=input, capture_output=True, text=True, timeout=120,
        )

    def start(self, timeout: float = 30) -> "Server":
        if not self.port:
            self.port = free_port()
        self.instance.mkdir(parents=True, exist_ok=True)
        self.log_path = self.instance / f"server-{self.port}.log"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reflect", "run", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                urllib.request.urlopen(self.url + "/login", timeout=2)
                return self
            except OSError:
                time.sleep(0.15)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9: no chance to clean up, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


_SQLITE_TEMPLATE: list[Path] = []  # a database migrated once by `reflect db upgrade`, copied per server


def _migrated_sqlite_template(mode: str) -> Path:
    if not _SQLITE_TEMPLATE:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="reflect-template-"))
        template = folder / "template.db"
        done = Server(mode=mode, instance=folder / "instance", database_url=f"sqlite:///{template}").cli("db", "upgrade")
        if done.returncode != 0:
            raise RuntimeError(f"migration failed: {done.stderr}")
        _SQLITE_TEMPLATE.append(template)
    return _SQLITE_TEMPLATE[0]


def create_account(server: Server, email: str, role: str, password: str, name: str = "") -> None:
    """An account on ``server``'s database, made as ``reflect create-user`` makes it (the
    write lock first, then the accounts service), in this process: no Python process to
    start for each account. The command itself is tested in tests/live/test_server_process.py
    and tests/browser/test_first_run.py."""
    from sqlalchemy.orm import Session

    from reflect.auth import accounts
    from reflect.db import begin_write, make_engine

    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            begin_write(db)
            accounts.create_user(db, email=email, role=role, display_name=name, password=password)
            db.commit()
    finally:
        engine.dispose()


def prepared_server(mode: str, tmp: Path, database_url: str | None = None, **env) -> Server:
    """A server whose database is migrated (and the theme vocabulary seeded): a given
    database by `reflect db upgrade`; the default SQLite file as a copy of one that
    `reflect db upgrade` made once in this test run (the same file, a process start
    less per server)."""
    if database_url is None:
        import shutil

        tmp.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_migrated_sqlite_template(mode), tmp / "live.db")
        return Server(mode=mode, instance=tmp / "instance", database_url=f"sqlite:///{tmp / 'live.db'}",
                      extra_env=env)
    server = Server(mode=mode, instance=tmp / "instance", database_url=database_url, extra_env=env)
    done = server.cli("db", "upgrade")
    if done.returncode != 0:
        raise RuntimeError(f"migration failed: {done.stderr}")
    return server


# --- several processes: PostgreSQL, Redis, nginx, and HTTP sign-in / join -------------
# Added for the multi-process tests and the benchmarks (bench/ imports these too).

import functools
import http.client
import http.cookiejar
import re
import secrets
import urllib.parse
import uuid
from contextlib import contextmanager
from typing import Iterator

PG_ADMIN_URL = os.environ.get("REFLECT_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REFLECT_TEST_REDIS_URL", "redis://127.0.0.1:6379")
NGINX = os.environ.get("REFLECT_NGINX", "/usr/sbin/nginx")
DEPLOY_NGINX_CONF = ROOT / "deploy" / "nginx.conf"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pg_url(dbname: str) -> str:
    """The URL of database ``dbname`` on the test server: ``REFLECT_TEST_PG_URL`` with its
    database replaced (its host, port and options, a ``?host=`` socket directory
    included, kept)."""
    from sqlalchemy import make_url

    return make_url(PG_ADMIN_URL).set(database=dbname).render_as_string(hide_password=False)


@contextmanager
def fresh_pg_database(prefix: str = "reflect_live") -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stagger_ids(database_url: str) -> int:
    """Start the session and participant ids of a fresh PostgreSQL database at a random
    offset. Redis pub/sub channels ignore the database number, so two runs sharing the
    machine's Redis hear each other's messages; with ids (and so room names) that differ,
    those messages reach no socket of the other run. Returns the offset."""
    from sqlalchemy import create_engine, text

    start = secrets.randbelow(2_000_000) * 1000 + 1000  # ids are 32-bit integers
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for table in ("group_sessions", "participants", "users", "groups"):
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
            if seq:
                conn.execute(text(f"ALTER SEQUENCE {seq} RESTART WITH {start}"))
    engine.dispose()
    return start


def redis_url_for_run() -> str:
    """The machine's Redis with a database number picked for this run (Flask-Limiter's keys
    live there; pub/sub is shared by all database numbers, see :func:`stagger_ids`)."""
    return f"{REDIS_URL}/{1 + secrets.randbelow(15)}"


@contextmanager
def pg_server_with_sessions(mode: str, tmp: Path, *, email: str, password: str, count: int,
                            phase: str = "reflect") -> Iterator[tuple[Server, list[dict], str]]:
    """One server process on a fresh PostgreSQL database, migrated, with ``count``
    sessions (see ``seed_sessions``) run by the account ``email``; yields (server,
    sessions, database URL) and stops the server afterwards."""
    with fresh_pg_database() as url:
        server = Server(mode=mode, instance=tmp / "instance", database_url=url)
        migrated = server.cli("db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        sessions = seed_sessions(url, tmp / "seed", email=email, password=password, count=count, phase=phase)
        server.start()
        try:
            yield server, sessions, url
        finally:
            server.stop()


def seed_sessions(database_url: str, instance: Path, *, email: str, password: str, count: int = 1,
                  phase: str = "lobby", cards: int | None = None) -> list[dict]:
    """A facilitator account and ``count`` sessions it runs (in ``phase``), written
    straight to the database with the app's own services. ``cards`` repeats the built-in
    deck's cards to make a longer deck. Returns [{"id", "code"}, ...]."""
    import dataclasses

    from reflect import create_app
    from reflect.auth import accounts
    from reflect.db import get_session
    from reflect.prompts import get_builtin
    from reflect.rooms import groups, lifecycle

    app = create_app({"INSTANCE_PATH": str(instance), "REFLECT_DATABASE_URL": database_url,
                      "REFLECT_ASYNC_MODE": "threading", "REFLECT_SECRET_KEY": "seed-only"})
    deck = get_builtin("multiple-perspectives")
    if cards:
        base = deck.cards
        deck = dataclasses.replace(deck, cards=tuple(
            dataclasses.replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i}") for i in range(cards)))
    out = []
    try:
        with app.app_context():
            db = get_session()
            user = accounts.create_user(db, email=email, role="facilitator", display_name="Fac", password=password)
            group = groups.create_group(db, user, "Bench group")
            for number in range(count):
                session = lifecycle.create_session(db, user, group, deck, title=f"Room {number + 1}")
                for step in ("connect", "reflect", "grow")[: ("lobby", "connect", "reflect", "grow").index(phase)]:
                    lifecycle.set_phase(db, session, step)
                out.append({"id": session.id, "code": session.join_code})
            db.commit()
    finally:
        app.extensions["reflect.store"].engine.dispose()
    return out


class Browser:
    """A cookie-keeping HTTP client on urllib (redirects followed), like a phone's browser."""

    def __init__(self, base_url: str, lang: str = "en", source: str | None = None):
        """``source``: the loopback address to connect from (127.0.0.0/8 is all local), so
        that many phones can come from as many addresses, as on a real network."""
        self.base_url = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.handlers = [urllib.request.HTTPCookieProcessor(self.jar)] + ([_FromAddress(source)] if source else [])
        self.opener = urllib.request.build_opener(*self.handlers)
        self.lang = lang

    def request(self, path: str, form: dict | None = None, timeout: float = 30,
                follow: bool = True) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, headers={"Accept-Language": self.lang})
        opener = self.opener if follow else urllib.request.build_opener(*self.handlers, _NoRedirect)
        try:
            with opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        status, page = self.request(path)
        match = CSRF_RE.search(page)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def cookie_header(self, *names: str) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar if not names or c.name in names)


class _FromAddress(urllib.request.HTTPHandler):
    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def http_open(self, req):
        return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(self.source, 0)), req)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base_url: str, email: str, password: str) -> str:
    """Sign in through /login; returns the Cookie header carrying ``reflect_session``."""
    browser = Browser(base_url)
    token = browser.csrf("/login")
    browser.request("/login", {"email": email, "password": password, "csrf_token": token})
    req = urllib.request.Request(browser.base_url + "/account")
    try:
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.jar), _NoRedirect).open(req).close()
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"sign-in failed (/account answered {err.code})") from None
    header = browser.cookie_header("reflect_session")
    if not header:
        raise RuntimeError("sign-in gave no session cookie")
    return header


def join_phone(base_url: str, code: str, name: str | None = None, lang: str = "en",
               source: str | None = None) -> str:
    """Join through /join and /join/welcome like a phone (from the loopback address
    ``source``, if given); returns the Cookie header with the participant cookie
    ``reflect_participant``."""
    browser = Browser(base_url, lang=lang, source=source)
    status, page = browser.request("/join", {"code": code, "csrf_token": browser.csrf("/join")})
    if status != 200 or browser.cookie("reflect_session") is None:
        raise RuntimeError(f"join code refused (HTTP {status})")
    form = {"csrf_token": browser.csrf("/join/welcome"), "agree": "yes", "who": "none"}
    if name:
        form.update(who="typed", display_name=name)
    status, _page = browser.request("/join/welcome", form, follow=False)  # 302 to the phone page
    cookie = browser.cookie("reflect_participant")
    if cookie is None:
        raise RuntimeError(f"joining gave no participant cookie (HTTP {status})")
    return f"reflect_participant={cookie}"


def _section(text: str, name: str) -> str:
    match = re.search(rf"# BEGIN {name}\n(.*?)# END {name}", text, re.S)
    if not match:
        raise RuntimeError(f"deploy/nginx.conf has no '{name}' section")
    return match.group(1)


def _deploy_upstream_method(text: str) -> str:
    match = re.search(r"upstream reflect \{\s*\n\s*(hash [^;]+;)", text)
    return match.group(1) if match else ""


def _deploy_server_parameters(text: str) -> str:
    """What deploy/nginx.conf puts after each process's address (e.g. ``max_fails=0``)."""
    match = re.search(r"^\s*server 127\.0\.0\.1:\d+([^;]*);", text, re.M)
    return match.group(1).strip() if match else ""


@dataclass
class Nginx:
    """Debian's nginx in the foreground, with a config made from deploy/nginx.conf's
    balancing and location sections, listening on 127.0.0.1 only.

    ``servers``: upstream lines such as ``"127.0.0.1:5001"`` or ``"127.0.0.1:5002 backup"``.
    ``balance``: ``"deploy"`` uses deploy/nginx.conf's balancing method; ``None`` plain
    round robin (needed with ``backup`` servers, which nginx refuses with ``hash``)."""

    root: Path
    servers: list[str]
    balance: str | None = "deploy"
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        deploy = DEPLOY_NGINX_CONF.read_text()
        method = _deploy_upstream_method(deploy) if self.balance == "deploy" else ""
        root = self.root
        user = "user root;\n" if os.geteuid() == 0 else ""
        parameters = _deploy_server_parameters(deploy)  # the deploy file's own failover settings
        servers = "\n".join(f"        server {line} {parameters};" if "backup" not in line
                            else f"        server {line};" for line in self.servers)
        temp = "\n".join(f"    {kind}_temp_path {root}/tmp/{kind};" for kind in
                         ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return f"""daemon off;
worker_processes 1;
{user}pid {root}/nginx.pid;
error_log {root}/error.log notice;
events {{ worker_connections 8192; }}
http {{
    log_format upstreams '$upstream_addr $status "$request"';
    access_log {root}/access.log upstreams;
{temp}
{_section(deploy, "reflect-balancing")}
    upstream reflect {{
        {method}
{servers}
    }}
    server {{
        listen 127.0.0.1:{self.port};
        server_name localhost;
{_section(deploy, "reflect-locations")}
    }}
}}
"""

    def start(self, timeout: float = 15) -> "Nginx":
        if not os.path.exists(NGINX):
            raise RuntimeError(f"nginx is required at {NGINX} (apt-get install nginx)")
        if not self.port:
            self.port = free_port()
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        conf = self.root / "nginx.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.root), "-c", str(conf), "-e", str(self.root / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not listen within {timeout}s:\n{self.log()}")

    def access_log(self) -> str:
        """One line per finished request: the process that served it, status, request line."""
        path = self.root / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # nginx's fast shutdown; its workers go with it
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class LiveSocket:
    """One python-socketio ``AsyncClient`` on one namespace that keeps, in order, every
    event it receives and every (re)connection. Use inside a running asyncio loop."""

    def __init__(self, namespace: str, label: str = "", log: list | None = None):
        import asyncio

        import socketio

        self.namespace = namespace
        self.label = label or namespace
        self.sio = socketio.AsyncClient(reconnection_delay=0.3, reconnection_delay_max=1.5,
                                        randomization_factor=0.2)
        self.events: list[tuple[str, object]] = []
        self.connects = 0
        self.log = log if log is not None else []  # a shared, ordered journal of several sockets
        self._changed = asyncio.Condition()

        async def on_connect():
            self.connects += 1
            await self._note("connect", None)

        async def on_disconnect(*_args):
            await self._note("disconnect", None)

        async def on_any(event, *args):
            data = args[0] if args else None
            if event == "state" and isinstance(data, dict) and data.get("partial"):
                # as the console does: a partial state keeps the rest of the last full one
                last = next((d for e, d in reversed(self.events)
                             if e in ("state", "snapshot") and isinstance(d, dict)), None)
                data = merge_partial(last, data) if last is not None else data
            await self._note(event, data)

        self.sio.on("connect", on_connect, namespace=namespace)
        self.sio.on("disconnect", on_disconnect, namespace=namespace)
        self.sio.on("*", on_any, namespace=namespace)

    async def _note(self, event: str, data) -> None:
        self.events.append((event, data))
        self.log.append((self.label, event, data))
        async with self._changed:
            self._changed.notify_all()

    async def connect(self, url: str, cookie: str | None = None, auth: dict | None = None, timeout: float = 10):
        # A function, so that every reconnection gets a fresh dict: python-engineio moves
        # the Cookie header out of the dict it is given (into an aiohttp cookie jar that
        # a dropped connection takes with it), so a reused dict reconnects without it.
        def headers():
            return {"Cookie": cookie} if cookie else {}

        await self.sio.connect(url, headers=headers, auth=auth, namespaces=[self.namespace],
                               transports=["websocket"], wait_timeout=timeout)
        return self

    async def wait_for(self, predicate, timeout: float = 10, what: str = "an event"):
        """The first received (event, data) matching ``predicate``, waiting up to ``timeout``."""
        import asyncio

        async def look():
            async with self._changed:
                while True:
                    for item in self.events:
                        if predicate(*item):
                            return item
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(look(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.label}: no {what} within {timeout}s; got {[e for e, _ in self.events]}") from None

    async def wait_connects(self, count: int, timeout: float = 20) -> None:
        await self.wait_for(lambda *_: self.connects >= count, timeout, f"connection #{count}")

    async def call(self, event: str, payload: dict | None = None, timeout: float = 15, cid: bool = True) -> dict:
        """Emit with a fresh command id (unless given or ``cid=False``) and return the ack."""
        payload = dict(payload or {})
        if cid:
            payload.setdefault("cid", secrets.token_hex(8))
        return await self.sio.call(event, payload, namespace=self.namespace, timeout=timeout)

    def states(self) -> list[dict]:
        """Every state the socket received (a phone snapshot's public part included)."""
        out = []
        for event, data in self.events:
            if event == "state":
                out.append(data)
            elif event == "snapshot" and isinstance(data, dict):
                out.append(data.get("public", data))
        return out

    async def close(self) -> None:
        try:
            await self.sio.disconnect()
        except Exception:  # already gone
            pass


# --- a Redis of a test's own, to stop and start (never the machine's shared one) ------

REDIS_SERVER = os.environ.get("REFLECT_REDIS_SERVER", "/usr/bin/redis-server")


class OwnRedis:
    """A redis-server on 127.0.0.1:``port`` that keeps nothing on disk."""

    def __init__(self, port: int, folder: Path):
        self.port, self.folder, self.process = port, folder, None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "OwnRedis":
        import redis

        if not os.path.exists(REDIS_SERVER):
            raise RuntimeError(f"redis-server is required at {REDIS_SERVER} (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@contextmanager
def own_redis(tmp_path):
    server = OwnRedis(free_port(), tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()
