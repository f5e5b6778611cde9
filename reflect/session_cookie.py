"""Flask's signed session cookie, verified once per socket connection rather than per event.

Every Socket.IO event runs in a request context made from the environ of the request that
opened the socket, so Flask opens the session from the same cookie at every event:
building a signing serializer, checking the signature, decoding the payload. That was
about 0.15 ms of every answer and every card move, always with the same result. The
decoded payload is kept in that environ (which lives as long as the socket) with the
cookie it came from, and each event gets its own copy. It is checked again at least every
``RECHECK_SECONDS``, so the cookie's age limit still applies, give or take that long.

An ordinary HTTP request has an environ of its own, so it always checks its cookie.
"""
from __future__ import annotations

from time import monotonic

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

RECHECK_SECONDS = 60.0
_KEPT = "reflect.session_cookie"  # the environ key: (cookie, payload, checked until)


class SessionCookieInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        cookie = request.cookies.get(self.get_cookie_name(app))
        kept = request.environ.get(_KEPT)
        if kept is not None and kept[0] == cookie and monotonic() < kept[2]:
            return self.session_class(kept[1])
        session = super().open_session(app, request)
        if session is not None:
            request.environ[_KEPT] = (cookie, dict(session), monotonic() + RECHECK_SECONDS)
        return session
