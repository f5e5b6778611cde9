"""Hypothesis-generated bodies for every POST route (forms, raw bytes and JSON) and query
strings for every GET route, sent by a role that may use the route (so the input gets
past the authorisation check and reaches validation): never a server error, nothing
logged as an error, and a 4xx answer changes nothing in the database.

The POST routes and the upload run on SQLite and on PostgreSQL (which refuses text
SQLite would store, a NUL); the GET routes on SQLite only (the ``backend`` fixture).
"""
from __future__ import annotations

import json
import secrets

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reflect.auth import accounts
from reflect.db import get_session
from reflect.models import User
from tests.security.conftest import diff, snapshot
from tests.security.fuzzing import FUZZ, INTS, JSON, Errors
from tests.security.test_authz_http import ROUTES, Route, app_routes

# Form values: text a browser can encode (no lone surrogates), numbers, long, empty.
FORM_TEXT = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
    INTS.map(str),
    st.sampled_from(["", "0", "-1", "99999999999999999999999", "y", "on", "true", "ended", "<b>x</b>",
                     "../../etc/passwd", "%00", "x" * 6000, "facilitator", "admin", "supervisor", "up", "down"]),
)
FORM_VALUE = st.one_of(FORM_TEXT, st.lists(FORM_TEXT, min_size=0, max_size=3))
PREFERRED = ("facilitator", "admin", "participant", "assigned_supervisor", "display")


def _actor(endpoint: str, route: Route) -> str:
    if endpoint in ("join.welcome", "auth.set_password", "auth.setup"):
        return "nobody"
    return next((role for role in PREFERRED if role in route.allowed), "nobody")


def _known_fields(world, route: Route, role: str) -> list[str]:
    fields = list(route.data(world, role)) if route.data else []
    return fields + ["csrf_token", "next", "email", "password", "code", "name"]


def _password_link(world) -> str:
    with world.app.app_context():
        db = get_session()
        user = db.get(User, world.fresh_user())
        raw = accounts.issue_password_link(db, user)
        db.commit()
    return f"/password/{raw}"


def _url(world, endpoint: str, route: Route, role: str) -> str:
    if endpoint == "auth.set_password":
        return _password_link(world)  # a real link, so that the form is reached
    if endpoint == "join.welcome":  # a browser that entered the code first
        client = world.clients["nobody"]
        client.post("/join", data={"code": world.codes["S"], "csrf_token": world.token("nobody")})
    return route.url(world, role)


def _body(kind: str, fields: dict, raw: bytes, token: str):
    """(kwargs for client.post) for a form, a raw urlencoded body or a JSON body."""
    if kind == "form":
        return {"data": {**fields, "csrf_token": fields.get("csrf_token", token)}}
    if kind == "raw":
        return {"data": b"csrf_token=" + token.encode() + b"&" + raw,
                "content_type": "application/x-www-form-urlencoded"}
    return {"data": json.dumps(fields), "content_type": "application/json", "headers": {"X-CSRFToken": token}}


def test_every_post_route_survives_any_body(world, app):
    posts = sorted(key for key in app_routes(app) if key[1] == "POST")
    assert set(posts) <= set(ROUTES)
    problems: list[str] = []
    with Errors() as errors:
        for endpoint, method in posts:
            if endpoint in ("auth.logout", "join.leave"):
                continue  # take no input; they end the browser's own session (tested elsewhere)
            route = ROUTES[(endpoint, method)]
            role = _actor(endpoint, route)
            client = world.clients[role]
            token = world.token(role)
            url = _url(world, endpoint, route, role)
            keys = _known_fields(world, route, role)
            valid = {k: v for k, v in (route.data(world, role) if route.data and not route.files else {}).items()}
            last = {"snapshot": snapshot(app)}  # only these requests change the database from here on
            bodies = st.tuples(
                st.sampled_from(["form", "form", "raw", "json"]),
                st.dictionaries(st.one_of(st.sampled_from(keys), FORM_TEXT), FORM_VALUE, max_size=6),
                st.binary(max_size=200),
            )

            @FUZZ
            @given(body=bodies)
            @example(body=("form", valid, b""))
            @example(body=("json", {**valid, "extra": None}, b""))
            @example(body=("raw", {}, b"\xff\xfe%ff%fe&a=%ED%A0%80&" + b"&".join(k.encode() + b"=%00" for k in valid)))
            @example(body=("form", {k: "x" * 6000 for k in valid}, b""))
            @example(body=("form", {k: ["a", "b"] for k in valid}, b""))
            @example(body=("form", {k: f"a\x00b{k}" for k in valid}, b""))  # PostgreSQL cannot store a NUL
            @example(body=("form", {**valid, "who": "roster:\u00b2"}, b""))  # "²".isdigit() is true
            @example(body=("form", {**valid, "who": "roster:" + "9" * 30}, b""))
            def fuzz(body):
                kind, fields, raw = body
                if kind == "json":
                    fields = {k: (JSON_VALUES[len(k) % len(JSON_VALUES)] if k == "extra" else v)
                              for k, v in fields.items()}
                before = last["snapshot"]
                client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"
                response = client.post(url, **_body(kind, fields, raw, token))
                last["snapshot"] = after = snapshot(app)
                where = f"POST {url} as {role} ({kind} {fields!r:.150})"
                assert response.status_code < 500, f"{where}: {response.status_code}"
                if 400 <= response.status_code < 500:
                    changed = diff(before, after)
                    assert not changed, f"{where}: {response.status_code} but changed {changed}"
                assert not errors.records, f"{where}: logged {errors.messages()}"

            try:
                fuzz()
            except Exception as err:  # an AssertionError or an ExceptionGroup, or what the app raised
                found = err.exceptions if isinstance(err, ExceptionGroup) else [err]
                problems += [f"{endpoint}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                             for e in found]
                errors.records.clear()
            client.environ_base.pop("REMOTE_ADDR", None)
    assert not problems, "\n".join(problems)


FUZZ_QUERY = settings(FUZZ, max_examples=10)  # GET pages take no input beyond a few query names
JSON_VALUES = [None, 2**70, ["a", {"b": []}], "\ud800", {"nested": {"deeper": [1, 2, 3]}}, 1.5e300]


def test_every_get_route_survives_any_query_string(world, app, backend):
    gets = sorted(key for key in app_routes(app) if key[1] == "GET")
    problems: list[str] = []
    with Errors() as errors:
        for endpoint, method in gets:
            if endpoint in ("socketio_path", "socketio_websocket"):
                continue  # answered by Socket.IO's own handshake, not a view (socket tests fuzz events)
            route = ROUTES[(endpoint, method)]
            role = _actor(endpoint, route)
            client = world.clients[role]
            url = _url(world, endpoint, route, role)
            names = ["from", "to", "by", "next", "code", "token", "email", "lang", "x"]

            @FUZZ_QUERY
            @given(args=st.dictionaries(st.one_of(st.sampled_from(names), FORM_TEXT), FORM_VALUE, max_size=4))
            @example(args={"from": "2024-02-30", "to": "0001-01-01", "by": "year"})
            @example(args={"from": "9999-12-31", "to": "0001-01-01", "next": "//evil.example/"})
            def fuzz(args):
                response = client.get(url, query_string=args)
                assert response.status_code < 500, f"GET {url} {args!r:.150} as {role}: {response.status_code}"
                assert not errors.records, f"GET {url} {args!r:.150}: logged {errors.messages()}"

            try:
                fuzz()
            except Exception as err:
                found = err.exceptions if isinstance(err, ExceptionGroup) else [err]
                problems += [f"{endpoint}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                             for e in found]
                errors.records.clear()
    assert not problems, "\n".join(problems)


def test_uploads_of_any_bytes_are_refused_cleanly(world, app):
    """The deck import takes a file: any bytes, any name, never a server error."""
    import io

    client, token = world.clients["facilitator"], world.token("facilitator")

    good = {"id": "surrogate-deck", "version": 1, "languages": ["en"], "title": {"en": "Title \ud800"},
            "description": {"en": "About"}, "cards": [{"id": "c1", "text": {"en": "Card"}, "perspective": "parent",
                                                       "themes": ["describing"]}]}

    @FUZZ
    @given(content=st.one_of(st.binary(max_size=400), JSON.map(lambda v: json.dumps(v).encode())),
           name=st.sampled_from(["deck.json", "deck.toml", "deck.exe", "", "../../x.json", "d\u00e9ck.toml"]))
    @example(content=b'{"\\ud800": null}', name="deck.json")  # a lone surrogate, as JSON may escape it
    @example(content=json.dumps(good).encode(), name="deck.json")  # a valid deck but for one escape
    @example(content=b'id = "x"\ntitle = { en = "\\uD800" }\n', name="deck.toml")
    @example(content=b"[" * 5000 + b"]" * 5000, name="deck.json")  # deeper than the parser's recursion
    @example(content=b"version = " + b"9" * 5000, name="deck.toml")  # more digits than int() reads
    def fuzz(content, name):
        before = snapshot(app)
        response = client.post("/decks/import", content_type="multipart/form-data",
                               data={"csrf_token": token, "file": (io.BytesIO(content), name)})
        assert response.status_code < 500
        if response.status_code >= 400:
            assert not diff(before, snapshot(app))

    with Errors() as errors:
        fuzz()
        assert not errors.records, errors.messages()
