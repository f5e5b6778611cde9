"""The default install (SQLite, one process) runs without the postgresql and redis
extras: psycopg2, psycogreen and redis are made impossible to import in a fresh Python
process before reflect is, and there reflect migrates, serves under eventlet and gevent,
and runs a session (a facilitator, a phone answering a card); settings that need a
missing extra stop ``reflect run`` and ``reflect db upgrade`` with one line that names it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTRAS_MODULES = ("psycopg2", "psycogreen", "redis")

# Run first in each process: importing any of the extras' modules raises ImportError,
# as in an install without them; each attempt is printed with the modules that made it.
WITHOUT_EXTRAS = f"""
import sys, traceback

class WithoutExtras:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {EXTRAS_MODULES!r}:
            chain = [f"{{f.filename}}:{{f.lineno}}" for f in traceback.extract_stack()[:-1]
                     if "/reflect/" in f.filename]
            print(f"import of {{name}} refused, from: {{' <- '.join(reversed(chain)) or 'outside reflect'}}",
                  file=sys.stderr)
            raise ImportError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, WithoutExtras())
"""

REFLECT_COMMAND = WITHOUT_EXTRAS + "from reflect.__main__ import main\nmain()\n"


def environment(instance: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFLECT_")}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", REFLECT_INSTANCE_PATH=str(instance), **settings)
    return env


def reflect(instance: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """``reflect <args>`` in a process without the extras."""
    return subprocess.run([sys.executable, "-c", REFLECT_COMMAND, *args], env=environment(instance, **settings),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_the_default_install_migrates_and_serves_without_the_extras(tmp_path, mode):
    upgraded = reflect(tmp_path, "db", "upgrade", REFLECT_ASYNC_MODE=mode)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Database is up to date" in upgraded.stdout
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-c", REFLECT_COMMAND, "run", "--port", str(port)],
                                  env=environment(tmp_path, REFLECT_ASYNC_MODE=mode), cwd=ROOT,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"reflect run exited:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, f"reflect run did not answer:\n{log.read_text()}"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(15)


def test_a_session_runs_without_the_extras(tmp_path):
    """The app, its socket handlers and a session's services, in a process without the
    extras: a facilitator opens a session, a phone joins and answers the first card."""
    script = WITHOUT_EXTRAS + "from tests.unit.test_optional_installs import session_flow\nsession_flow(sys.argv[1])\n"
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "instance")], env=environment(tmp_path),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("answered, and none of the extras' modules loaded"), done.stdout + done.stderr


def session_flow(instance: str) -> None:
    """Run in the process without the extras (test_a_session_runs_without_the_extras)."""
    import json
    import re

    from sqlalchemy import func, select

    from reflect import create_app
    from reflect.auth import accounts
    from reflect.cli import upgrade_database
    from reflect.db import get_session
    from reflect.extensions import socketio
    from reflect.models import Answer
    from reflect.prompts import get_builtin
    from reflect.rooms import groups, lifecycle

    app = create_app({"INSTANCE_PATH": instance, "TESTING": True, "REFLECT_ASYNC_MODE": "threading",
                      "REFLECT_UPDATE_INTERVAL_MS": 0})
    assert app.config["REFLECT_DATABASE_URL"].startswith("sqlite:///")

    def csrf(client, url):
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)

    with app.app_context():
        upgrade_database()
        db = get_session()
        user = accounts.create_user(db, email="fac@example.org", role="facilitator", display_name="Fac",
                                    password="correct horse battery")
        group = groups.create_group(db, user, "Tuesday group", ["Ana", "Beto", "Carla"])
        session = lifecycle.create_session(db, user, group, get_builtin("multiple-perspectives"), title="Tuesday")
        db.commit()
        session_id, code = session.id, session.join_code

    facilitator = app.test_client()
    signed_in = facilitator.post("/login", data={"email": "fac@example.org", "password": "correct horse battery",
                                                 "csrf_token": csrf(facilitator, "/login")})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]
    console = socketio.test_client(app, namespace="/facilitator", flask_test_client=facilitator,
                                   auth={"session": session_id})
    assert console.is_connected("/facilitator")

    phone_http = app.test_client()
    joined = phone_http.post("/join", data={"code": code, "csrf_token": csrf(phone_http, "/join")})
    assert joined.status_code == 302, joined.get_data(as_text=True)[:300]
    welcomed = phone_http.post("/join/welcome", data={"csrf_token": csrf(phone_http, "/join/welcome"),
                                                      "agree": "yes", "who": "none"})
    assert welcomed.status_code == 302, welcomed.get_data(as_text=True)[:300]
    phone = socketio.test_client(app, namespace="/phone", flask_test_client=phone_http)
    assert phone.is_connected("/phone")

    moved = console.emit("phase", {"cid": "console-0001", "to": "reflect"}, namespace="/facilitator", callback=True)
    assert moved["ok"], moved
    states = [m["args"][0] for m in console.get_received("/facilitator") if m["name"] == "state"]
    card = [s["card"]["id"] for s in states if s.get("card")][-1]
    answer = {"cid": "phone-0001", "card": card, "text": "She looked at me first", "audience": "group"}
    answered = phone.emit("answer", answer, namespace="/phone", callback=True)
    assert answered["ok"], answered
    assert "She looked at me first" in json.dumps(console.get_received("/facilitator"))
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Answer)) == 1

    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in EXTRAS_MODULES)
    assert not loaded, loaded
    print("answered, and none of the extras' modules loaded")


@pytest.mark.parametrize("command", [("db", "upgrade"), ("run",)], ids=["db upgrade", "run"])
@pytest.mark.parametrize("setting, value, extra", [
    ("REFLECT_DATABASE_URL", "postgresql://reflect@127.0.0.1:5432/reflect", "postgresql"),
    ("REFLECT_MESSAGE_QUEUE", "redis://127.0.0.1:6379/0", "redis"),
    ("REFLECT_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/1", "redis"),
])
def test_settings_that_need_a_missing_extra_stop_with_one_line_naming_it(tmp_path, command, setting, value, extra):
    done = reflect(tmp_path, *command, **{setting: value})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(f"Error: {setting} is a ")
    assert errors[0].endswith(f"install reflect's {extra} extra, pip install 'reflect[{extra}]'")


def test_help_names_the_missing_extra_then_lists_the_commands(tmp_path):
    done = reflect(tmp_path, "--help", REFLECT_DATABASE_URL="postgresql://reflect@127.0.0.1:5432/reflect")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "Error: REFLECT_DATABASE_URL is a PostgreSQL database" in done.stderr
    assert "pip install 'reflect[postgresql]'" in done.stderr
    assert "setup-token" in done.stdout  # the commands, listed after the line


def configured(**settings) -> dict:
    from reflect import config

    return {**config.from_environment({}), **settings}


def test_settings_are_checked_against_what_is_installed(monkeypatch):
    from reflect.config import ConfigError, check_installed

    postgresql = configured(REFLECT_DATABASE_URL="postgresql://u@h/db")
    queue = configured(REFLECT_MESSAGE_QUEUE="redis://h:6379/0")
    check_installed(postgresql)  # this environment has every extra
    check_installed(queue)
    monkeypatch.setitem(sys.modules, "psycogreen", None)  # import psycogreen now raises ImportError
    with pytest.raises(ConfigError, match=r"psycogreen cannot be imported .*pip install 'reflect\[postgresql\]'$"):
        check_installed(postgresql)
    check_installed({**postgresql, "REFLECT_ASYNC_MODE": "threading"})  # no green threads to cooperate with
    check_installed(configured())  # SQLite, one process: nothing to import
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ConfigError, match=r"^REFLECT_MESSAGE_QUEUE is a Redis, but redis cannot be imported"):
        check_installed(queue)
    check_installed(postgresql | {"REFLECT_ASYNC_MODE": "threading", "REFLECT_MESSAGE_QUEUE": "amqp://h"})
