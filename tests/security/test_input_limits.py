"""Input that once gave a server error, on SQLite and on PostgreSQL: the join form's
choice and name, and deck files nested too deep or holding numbers, texts or lists too
large. Each is refused as a form error or a listed problem in the reader's language
(400), and nothing is saved; hypothesis varies the input around those cases.
"""
from __future__ import annotations

import io
import json
import secrets

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from reflect.db import get_session
from reflect.models import CustomDeck, Participant
from reflect.prompts import get_builtin
from reflect.rooms import groups, lifecycle
from tests.helpers import csrf, sign_in_as
from tests.security.conftest import deck_data, diff, snapshot
from tests.security.fuzzing import FUZZ, Errors

# digits Python's str.isdigit() accepts that are not ASCII: superscripts, Arabic-Indic,
# Devanagari, full-width
ODD_DIGITS = "²³¹٠١٢३४５６"
# control characters but the white space a name's spaces are made of (a tab is a space)
CONTROL = st.characters(categories=("Cc",)).filter(lambda c: not c.isspace())


@pytest.fixture
def joinable(app):
    """A session whose group has a roster; returns (code, roster member ids)."""
    with app.app_context():
        from reflect.auth import accounts

        db = get_session()
        user = accounts.create_user(db, email="fac@example.org", role="facilitator", display_name="Fac")
        group = groups.create_group(db, user, "Group", roster="Ana\nBeto")
        session = lifecycle.create_session(db, user, group, get_builtin("multiple-perspectives"), title="S")
        db.commit()
        return session.join_code, [m.id for m in groups.active_roster(group)]


def _welcome(app, code: str, form: dict, lang: str = "en"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"
    headers = {"Accept-Language": lang}
    response = client.post("/join", data={"code": code, "csrf_token": csrf(client, "/join")}, headers=headers)
    assert response.status_code == 302
    token = csrf(client, "/join/welcome")
    return client.post("/join/welcome", data={"csrf_token": token, "agree": "yes", **form}, headers=headers)


WHO = st.one_of(
    st.sampled_from(["roster:²", "roster:" + "9" * 30, "roster:" + "9" * 10, "roster:-1", "roster:", "roster: 1",
                     "roster:1\x00", "roster:0x1", "roster:1.0", "roster:١٢", "ROSTER:1", "typed\x00", ""]),
    st.text(alphabet=st.sampled_from("0123456789" + ODD_DIGITS), min_size=1, max_size=40).map("roster:".__add__),
    st.text(max_size=12).map("roster:".__add__),
)
NAME = st.one_of(
    st.tuples(st.text(max_size=10), CONTROL, st.text(max_size=10)).map("".join),
    st.sampled_from(["\x00", "Ana\x00", "a\x1bb", "\x7f", "x\x08y"]),
)


def test_a_choice_that_is_not_a_roster_member_or_a_name_is_a_form_error(app, joinable):
    code, roster = joinable
    members = {f"roster:{member}" for member in roster}
    with Errors() as errors:

        @FUZZ
        @given(who=WHO)
        @example(who="roster:²")
        @example(who="roster:" + "1" * 30)
        def refused(who):
            assume(who not in members)  # a real member of this roster joins, as it should
            before = snapshot(app)
            response = _welcome(app, code, {"who": who, "display_name": ""})
            assert response.status_code == 400, (who, response.status_code)
            assert "Choose how you will appear" in response.get_data(as_text=True) or \
                "not on this group" in response.get_data(as_text=True), who
            assert not diff(before, snapshot(app)), who

        refused()
        assert not errors.records, errors.messages()


def test_a_name_with_control_characters_is_a_form_error(app, joinable):
    code, _roster = joinable
    with Errors() as errors:

        @FUZZ
        @given(name=NAME, who=st.sampled_from(["typed", "none"]))
        @example(name="Ana\x00", who="typed")
        def refused(name, who):
            before = snapshot(app)
            response = _welcome(app, code, {"who": who, "display_name": name})
            assert response.status_code == 400, (name, response.status_code)
            assert "cannot hold control characters" in response.get_data(as_text=True)
            assert not diff(before, snapshot(app)), name

        refused()
        assert not errors.records, errors.messages()


def test_the_form_errors_are_in_the_readers_language_and_a_good_choice_still_joins(app, joinable):
    code, roster = joinable
    page = _welcome(app, code, {"who": "roster:²"}, lang="es").get_data(as_text=True)
    assert "Elige cómo aparecerás" in page
    page = _welcome(app, code, {"who": "typed", "display_name": "Ana\x00"}, lang="es").get_data(as_text=True)
    assert "caracteres de control" in page
    assert _welcome(app, code, {"who": f"roster:{roster[0]}"}).status_code == 302
    assert _welcome(app, code, {"who": "typed", "display_name": "Zoë\tN."}).status_code == 302  # a tab is a space
    with app.app_context():
        names = set(get_session().scalars(Participant.__table__.select().with_only_columns(Participant.display_name)))
    assert names == {"Ana", "Zoë N."}


# --- deck files ----------------------------------------------------------------------


def _nested(depth: int, kind: str) -> str:
    """A deck whose title holds a value nested ``depth`` deep (JSON)."""
    inner = "[" * depth + "]" * depth if kind == "list" else '{"a":' * depth + "1" + "}" * depth
    return json.dumps(deck_data("deep-deck"))[:-1] + f', "extra": {inner}}}'


def _toml_nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "id = 'x'\nextra = " + "[" * depth + "]" * depth + "\n"
    if kind == "table":
        return "id = 'x'\nextra = " + "{a = " * depth + "1" + "}" * depth + "\n"
    return "id = 'x'\n" + "a" + ".a" * depth + " = 1\n"  # dotted keys: nested without brackets


DECK_FILES = st.one_of(
    st.tuples(st.integers(17, 20000), st.sampled_from(["list", "table"])).map(
        lambda t: ("deep.json", _nested(*t), "nested too deeply")),
    st.tuples(st.integers(17, 20000), st.sampled_from(["list", "table", "dotted"])).map(
        lambda t: ("deep.toml", _toml_nested(*t), "nested too deeply")),
    st.integers(16, 6000).map(lambda n: ("big.json", json.dumps(deck_data("big-number"))[:-1]
                                         + f', "version": {"7" * n}}}', "number is too long")),
    st.integers(16, 6000).map(lambda n: ("big.toml", f"id = 'big'\nversion = {'7' * n}\n", "number is too long")),
    st.integers(4001, 200000).map(lambda n: ("long.json", json.dumps({**deck_data("long"), "id": "x" * n}),
                                             "text is too long")),
    st.integers(101, 400).map(lambda n: ("many.json", json.dumps(deck_data("many", cards=n)), "cards")),
    st.integers(101, 150).map(lambda n: ("decks.json", json.dumps({"decks": [deck_data(f"d{i}") for i in range(n)]}),
                                         "too many decks")),
)


def test_deck_files_beyond_the_limits_are_listed_problems_and_save_nothing(app):
    client = app.test_client()
    sign_in_as(app, client, "facilitator")
    token = csrf(client, "/decks/")
    with Errors() as errors:

        @FUZZ
        @given(upload=DECK_FILES)
        @example(upload=("deep.json", "[" * 5000 + "]" * 5000, "nested too deeply"))
        @example(upload=("deep.toml", _toml_nested(5000, "list"), "nested too deeply"))
        @example(upload=("big.json", '{"version": ' + "9" * 5000 + "}", "number is too long"))
        @example(upload=("big.toml", "version = 0x" + "f" * 5000 + "\n", "number is too long"))
        def refused(upload):
            name, content, problem = upload
            before = snapshot(app)
            response = client.post("/decks/import", content_type="multipart/form-data",
                                   data={"csrf_token": token, "file": (io.BytesIO(content.encode()), name)})
            assert response.status_code == 400, (name, len(content), response.status_code)
            assert problem in response.get_data(as_text=True), (name, problem)
            assert not diff(before, snapshot(app))

        refused()
        assert not errors.records, errors.messages()
    with app.app_context():
        assert get_session().query(CustomDeck).count() == 0


def test_deck_limit_problems_are_in_the_readers_language(app):
    client = app.test_client()
    sign_in_as(app, client, "facilitator")
    token = csrf(client, "/decks/")
    response = client.post("/decks/import", content_type="multipart/form-data", headers={"Accept-Language": "es"},
                           data={"csrf_token": token, "file": (io.BytesIO(b"[" * 3000 + b"]" * 3000), "d.json")})
    assert response.status_code == 400
    assert "anidado a demasiada profundidad" in response.get_data(as_text=True)
