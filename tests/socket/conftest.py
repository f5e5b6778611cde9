"""Fixtures for the in-process socket tier: a facilitator, a session, phones that joined
through the real HTTP join flow, and Flask-SocketIO test clients for each audience."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from reflect.db import get_session
from reflect.extensions import socketio
from reflect.models import GroupSession, User
from reflect.prompts import get_builtin
from reflect.rooms import groups, lifecycle
from reflect.rooms.keys import display_key
from tests.helpers import csrf, csrf_from, sign_in_as
from tests.servers import merge_partial


@dataclass
class Live:
    app: object
    session_id: int
    code: str
    facilitator_client: object

    def console(self):
        return socketio.test_client(self.app, namespace="/facilitator", flask_test_client=self.facilitator_client,
                                    auth={"session": self.session_id})

    def display(self, lang="en", key=None):
        with self.app.app_context():
            key = key or display_key(self.session_id)
        return socketio.test_client(self.app, namespace="/display",
                                    auth={"session": self.session_id, "key": key, "lang": lang})

    def join(self, name=None, lang="en", roster=None):
        client = self.app.test_client()
        headers = {"Accept-Language": lang}
        token = csrf(client, "/join")
        response = client.post("/join", data={"code": self.code, "csrf_token": token}, headers=headers)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        page = client.get("/join/welcome", headers=headers).get_data(as_text=True)
        form = {"csrf_token": csrf_from(page), "agree": "yes", "who": "none"}
        if roster is not None:
            form["who"] = f"roster:{roster}"
        elif name:
            form.update(who="typed", display_name=name)
        response = client.post("/join/welcome", data=form, headers=headers)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    def phone(self, name=None, lang="en", roster=None):
        client = self.join(name=name, lang=lang, roster=roster)
        sock = socketio.test_client(self.app, namespace="/phone", flask_test_client=client)
        assert sock.is_connected("/phone")
        return sock

    def session(self):
        with self.app.app_context():
            db = get_session()
            found = db.get(GroupSession, self.session_id)
            db.expunge(found)
            return found


def _drain(client, namespace) -> list:
    """Everything received since the last call, kept on the client for later looks."""
    received = client.get_received(namespace)
    client.__dict__.setdefault("_history", []).extend(received)
    for message in received:
        if message["name"] in ("state", "snapshot"):
            state = message["args"][0]
            latest = client.__dict__.get("_latest")
            # a partial facilitator state keeps the rest of the last one, as the console does
            client.__dict__["_latest"] = merge_partial(latest, state) if state.get("partial") and latest else state
    return received


def events(client, namespace, name=None):
    """Every message this client has received so far (optionally of one name)."""
    _drain(client, namespace)
    return [r for r in client.__dict__["_history"] if name is None or r["name"] == name]


def last_state(client, namespace):
    """The newest state or snapshot this client has received (phones: the public part)."""
    _drain(client, namespace)
    latest = client.__dict__.get("_latest")
    return latest["public"] if latest and "public" in latest else latest


@pytest.fixture
def live(app):
    fclient = app.test_client()
    user_id = sign_in_as(app, fclient, "facilitator", "fac@example.org")
    with app.app_context():
        db = get_session()
        user = db.get(User, user_id)
        group = groups.create_group(db, user, "Tuesday group", ["Ana", "Beto", "Carla"])
        session = lifecycle.create_session(db, user, group, get_builtin("multiple-perspectives"), title="Tuesday")
        db.commit()
        return Live(app=app, session_id=session.id, code=session.join_code, facilitator_client=fclient)


def cmd(client, namespace, event, **payload):
    """Emit with a fresh command id; returns the acknowledgement."""
    import secrets

    payload.setdefault("cid", secrets.token_hex(8))
    return client.emit(event, payload, namespace=namespace, callback=True)


@contextmanager
def statements(app):
    """Every SQL statement the app's engine runs within the block, in order, as
    SQLAlchemy's ``before_cursor_execute`` event sees them."""
    engine = app.extensions["reflect.store"].engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
