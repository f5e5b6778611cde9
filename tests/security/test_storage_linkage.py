"""Nothing the database keeps *about how rows were written* links an anonymous row to
its author once the check-in round is closed or the session has ended.

PostgreSQL stamps every row with the transaction that wrote it (``xmin``); an anonymous
check-in or answer is written in the same transaction as its author's mark and command
record, so the two would share the stamp (a join any reader with SELECT could run).
Closing a round and ending a session rewrite the anonymous rows together, which gives
them one new stamp. SQLite has no such column, and the anonymous tables keep no rowid.
"""
from __future__ import annotations

import secrets

from sqlalchemy import text

from reflect.db import get_session
from reflect.extensions import socketio
from tests.security.conftest import join_http
from tests.security.test_authz_socket import FAC, PHONE, connect_as

ANONYMOUS = ("checkin_answers", "answers", "reactions")


def _xmins(db, table: str, where: str = "") -> set[str]:
    return {row[0] for row in db.execute(text(f"SELECT xmin::text FROM {table} {where}"))}


def _people_by_stamp(db) -> dict[str, set[int]]:
    """Write stamp -> the participants named by rows carrying it."""
    out: dict[str, set[int]] = {}
    queries = ["SELECT xmin::text, participant_id FROM checkin_marks",
               "SELECT xmin::text, participant_id FROM response_marks",
               "SELECT xmin::text, CAST(substr(actor, 3) AS integer) FROM processed_commands WHERE actor LIKE 'p:%'",
               "SELECT xmin::text, id FROM participants"]
    for query in queries:
        for stamp, person in db.execute(text(query)):
            out.setdefault(stamp, set()).add(person)
    return out


def _identifying(db, table: str, where: str, *groups: set[int]) -> dict[str, set[int]]:
    """Stamps of ``table``'s rows shared with rows naming some people, other than one of
    ``groups`` as a whole: a change made at once to every participant, or to everyone
    who responded in a round (whose marks say so anyway), says nothing about who wrote
    which row."""
    people = _people_by_stamp(db)
    return {stamp: people[stamp] for stamp in _xmins(db, table, where)
            if stamp in people and people[stamp] not in groups}


def _cmd(client, ns, event, **payload):
    payload.setdefault("cid", secrets.token_hex(8))
    reply = client.emit(event, payload, namespace=ns, callback=True)
    assert reply and reply["ok"], (event, reply)
    return reply


def test_no_write_stamp_links_an_anonymous_row_to_its_author(world, app, database_url):
    console = connect_as(world, "facilitator", FAC)
    with app.app_context():
        code = get_session().execute(text("SELECT join_code FROM group_sessions WHERE id = :i"),
                                     {"i": world.ids["S"]}).scalar()
    phones = [socketio.test_client(app, namespace=PHONE, flask_test_client=join_http(app, code, name=f"P{i}"))
              for i in range(4)]
    _cmd(console, FAC, "phase", to="lobby")
    _cmd(console, FAC, "phase", to="connect")
    for i, phone in enumerate(phones):
        _cmd(phone, PHONE, "checkin", kind="opening", scores={"energy": i + 1}, feeling=("calm", "tired", "sad", "proud")[i])
    _cmd(console, FAC, "checkin_control", kind="opening", open=False)
    pg = database_url.startswith("postgresql")
    with app.app_context():
        db = get_session()
        everyone = set(db.scalars(text("SELECT id FROM participants WHERE session_id = :s"), {"s": world.ids["S"]}))
        responders = set(db.scalars(text("SELECT participant_id FROM checkin_marks")))
        assert len(responders) == 4
        if pg:  # the closed round is already unlinked while the session goes on
            assert not _identifying(db, "checkin_answers", "", everyone, responders)
        db.rollback()

    _cmd(console, FAC, "phase", to="reflect")
    card = console.emit("sync", {}, namespace=FAC, callback=True)["snapshot"]["card"]["id"]
    _cmd(phones[0], PHONE, "answer", card=card, text="anonymous and shared", audience="group")
    _cmd(phones[1], PHONE, "answer", card=card, text="only for the facilitator", audience="facilitator")
    _cmd(phones[2], PHONE, "answer", card=card, text="named and shared", audience="group", named=True)
    # a second anonymous one: after the world's earlier reveal, a lone one would wait for another
    _cmd(phones[3], PHONE, "answer", card=card, text="anonymous too", audience="group")
    _cmd(console, FAC, "reveal", card=card)
    shared = phones[2].emit("sync", {}, namespace=PHONE, callback=True)["snapshot"]["public"]["revealed"]
    _cmd(phones[2], PHONE, "react", answer=next(a["id"] for a in shared if a["text"] == "anonymous and shared"))
    # a reaction to a named answer is written to that answer's row in the reactor's transaction
    _cmd(phones[0], PHONE, "react", answer=next(a["id"] for a in shared if a["text"] == "named and shared"))
    _cmd(console, FAC, "phase", to="grow")
    _cmd(phones[1], PHONE, "takeaway", text="a private takeaway", audience="facilitator")
    _cmd(console, FAC, "phase", to="ended")

    with app.app_context():
        db = get_session()
        # the "has answered" marks, the phones' command records and the reactions are gone
        # with the session
        assert db.execute(text("SELECT count(*) FROM processed_commands WHERE actor LIKE 'p:%'")).scalar() == 0
        for table in ("checkin_marks", "response_marks", "reactions"):
            assert db.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        if pg:
            for table in ("checkin_answers", "answers"):  # every answer, named ones included
                assert _xmins(db, table), table
                found = _identifying(db, table, "", everyone)
                assert not found, f"{table} shares a write transaction with rows naming {found}"
        else:
            for table in ANONYMOUS + ("checkin_marks", "response_marks"):
                try:
                    db.execute(text(f"SELECT rowid FROM {table}")).all()
                except Exception:  # WITHOUT ROWID: there is no hidden insertion counter
                    db.rollback()
                else:
                    raise AssertionError(f"{table} has a rowid")
