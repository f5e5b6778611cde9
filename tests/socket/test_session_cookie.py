"""The session cookie is checked once per socket connection, not at every event."""
from __future__ import annotations

import secrets

from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Request

from reflect import session_cookie
from tests.socket.conftest import cmd

F = "/facilitator"


def _count_checks(monkeypatch) -> list[int]:
    checks: list[int] = []
    check = SecureCookieSessionInterface.open_session

    def counted(self, app, request):
        checks.append(1)
        return check(self, app, request)

    monkeypatch.setattr(SecureCookieSessionInterface, "open_session", counted)
    return checks


def test_socket_events_use_the_session_checked_when_the_socket_opened(live, monkeypatch):
    console = live.console()  # its connect checked the cookie
    checks = _count_checks(monkeypatch)
    for position in (1, 2, 1):
        # each command needs the signed-in person from the session: the kept copy has it
        reply = cmd(console, F, "card", action="jump", position=position)
        assert reply["error"]["code"] == "not_in_phase"  # signed in and allowed; not in "reflect" yet
    assert cmd(console, F, "phase", to="reflect")["ok"]
    assert cmd(console, F, "card", action="next")["ok"]
    assert checks == []


def test_the_cookie_is_checked_again_once_the_recheck_time_has_passed(live, monkeypatch):
    console = live.console()
    checks = _count_checks(monkeypatch)
    assert cmd(console, F, "phase", to="reflect")["ok"]
    assert checks == []
    later = session_cookie.monotonic() + session_cookie.RECHECK_SECONDS + 1
    monkeypatch.setattr(session_cookie, "monotonic", lambda: later)
    assert cmd(console, F, "card", action="next")["ok"]
    assert cmd(console, F, "card", action="next")["ok"]
    assert len(checks) == 1  # checked again once, then kept for the next minute


def test_each_event_gets_its_own_copy_and_a_new_cookie_is_checked(app):
    interface = app.session_interface
    with app.test_request_context():
        from flask import session

        session["joining"] = 7
        cookie = interface.get_signing_serializer(app).dumps(dict(session))
    environ = {"HTTP_COOKIE": f"reflect_session={cookie}", "REQUEST_METHOD": "GET", "PATH_INFO": "/",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    first = interface.open_session(app, Request(environ))
    assert first["joining"] == 7
    first["joining"] = 8  # a change made during one event
    assert interface.open_session(app, Request(environ))["joining"] == 7
    # a cookie that is not the kept one (forged) is checked, and refused
    environ["HTTP_COOKIE"] = f"reflect_session={cookie[:-2]}{secrets.token_hex(1)}"
    assert "joining" not in interface.open_session(app, Request(environ))
