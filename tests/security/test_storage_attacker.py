"""The database administrator's attack, on SQLite and PostgreSQL: a session where named
people (from the roster and by a typed name) check in and answer anonymously — a full
round, a lone answerer, a lone private answer, a lone anonymous answer beside a named
one, takeaways and reactions — each round in an order of arrival of its own; then every
join and order a reader of the database has (``tests/security/linkage.py``). None may
name an author better than chance: after the session has ended, nor, for a check-in
round, once it has closed while the session goes on.

The live tier runs the same attack on a session held through real server processes
(``tests/live/test_live_anonymity.py``)."""
from __future__ import annotations

import random

from sqlalchemy import select, text

from reflect.db import get_session
from reflect.models import Participant
from reflect.rooms import feelings
from tests.security.linkage import Truth, assert_chance, attack, letters
from tests.socket.conftest import cmd, last_state, live  # noqa: F401  (the session fixture)

P, F = "/phone", "/facilitator"
PEOPLE = 8
FEELINGS = sorted(feelings.by_key())


def _people(live, app):
    """Three people from the roster (Ana, Beto, Carla) and five by a typed name."""
    with app.app_context():
        from reflect.models import RosterMember

        roster = get_session().scalars(select(RosterMember.id).order_by(RosterMember.display_name)).all()
    phones = [live.phone(roster=member) for member in roster[:3]]
    phones += [live.phone(name=f"Quill Zephyr {i}") for i in range(PEOPLE - 3)]
    with app.app_context():
        db = get_session()
        rows = db.execute(select(Participant.id, Participant.display_name)
                          .where(Participant.session_id == live.session_id).order_by(Participant.id)).all()
    return phones, [pid for pid, _name in rows], {pid: name for pid, name in rows}


def run_session(live, app, rng: random.Random, *, stop_after_opening: bool = False):
    """Hold the session; returns (truth, phones, console)."""
    console = live.console()
    phones, ids, names = _people(live, app)
    truth = Truth(session_id=live.session_id, people=names)
    order = list(range(PEOPLE))

    cmd(console, F, "phase", to="connect")
    rng.shuffle(order)
    picks = rng.sample(FEELINGS, PEOPLE)
    for i in order:  # every round arrives in an order of its own, not the order of joining
        reply = cmd(phones[i], P, "checkin", kind="opening", scores={"energy": 1 + i % 5, "supported": 1 + i // 5},
                    feeling=picks[i])
        assert reply["ok"], reply
        truth.add("opening", "checkin_answers", picks[i], ids[i])
    assert cmd(console, F, "checkin_control", kind="opening", open=False)["ok"]
    if stop_after_opening:
        return truth, phones, console

    cmd(console, F, "phase", to="reflect")
    cards = []

    def card_id():
        return last_state(console, F)["card"]["id"]

    # card 1: everyone answers, some only to the facilitator
    cards.append(card_id())
    rng.shuffle(order)
    for i in order:
        words = f"full round answer {letters(rng)} " + "x" * rng.randrange(1, 200)  # stored as sent: no trailing space to trim
        audience = "facilitator" if i % 3 == 0 else "group"
        assert cmd(phones[i], P, "answer", card=cards[-1], text=words, audience=audience)["ok"]
        truth.add(f"card:{cards[-1]}", "answers", words, ids[i])
    assert cmd(console, F, "reveal", card=cards[-1])["ok"]
    shared = last_state(phones[0], P)["revealed"]
    for i in rng.sample(range(PEOPLE), 4):  # reactions, which name nobody
        assert cmd(phones[i], P, "react", answer=rng.choice(shared)["id"])["ok"]

    # cards 2-4: one anonymous answer each (shared, private, beside a named one); the rest pass
    lone = rng.sample(range(PEOPLE), 4)
    for lone_one, audience, named_one in ((lone[0], "group", None), (lone[1], "facilitator", None),
                                          (lone[2], "group", lone[3])):
        assert cmd(console, F, "card", action="next")["ok"]
        cards.append(card_id())
        rng.shuffle(order)
        for i in order:
            if i == lone_one:
                words = f"the only answer {letters(rng)}"
                assert cmd(phones[i], P, "answer", card=cards[-1], text=words, audience=audience)["ok"]
                truth.add(f"card:{cards[-1]}", "answers", words, ids[i])
            elif i == named_one:
                assert cmd(phones[i], P, "answer", card=cards[-1], text=f"named {i}", audience="group",
                           named=True)["ok"]
                truth.named.add(ids[i])
            else:
                assert cmd(phones[i], P, "pass", card=cards[-1])["ok"]

    cmd(console, F, "phase", to="grow")
    assert cmd(console, F, "checkin_control", kind="closing", open=True)["ok"]
    rng.shuffle(order)
    picks = rng.sample(FEELINGS, PEOPLE)
    for i in order:
        assert cmd(phones[i], P, "checkin", kind="closing", scores={"energy": 1 + (i + 2) % 5}, feeling=picks[i])["ok"]
        truth.add("closing", "checkin_answers", picks[i], ids[i])
    rng.shuffle(order)
    for i in order:
        words = f"takeaway {letters(rng)}"
        assert cmd(phones[i], P, "takeaway", text=words, audience="group" if i % 2 else "facilitator")["ok"]
        truth.add("takeaway", "answers", words, ids[i])
    assert cmd(console, F, "phase", to="ended")["ok"]
    return truth, phones, console


def _disconnect(*clients):
    for client in clients:
        for namespace in (P, F):
            if client.is_connected(namespace):
                client.disconnect(namespace=namespace)


def test_after_the_session_nothing_names_the_author_of_an_anonymous_row(live, app, database_url):
    rng = random.Random()
    truth, phones, console = run_session(live, app, rng)
    _disconnect(console, *phones)
    attempts, references, reader = attack(database_url, truth)
    try:
        assert_chance(attempts, references)
        # what the session ran on is gone: no mark or reaction of it, and of the commands'
        # records only the facilitator's last (the end itself, written after: a retry of
        # it is answered as the first time); no phone's
        for table in ("checkin_marks", "response_marks", "reactions", "socket_presence"):
            assert not [r for r in reader.everything[table] if r.get("session_id", truth.session_id) ==
                        truth.session_id], table
        records = [r for r in reader.everything["processed_commands"] if r["session_id"] == truth.session_id]
        assert len(records) == 1 and records[0]["actor"].startswith("u:"), records
        if not reader.pg:  # no hidden insertion counter on the anonymous tables
            assert not {"answers", "checkin_answers", "reactions"} & set(reader.rowid_tables)
        # nothing anonymous is counted by a sequence (an id that grows with every row)
        assert not [name for name in reader.sequences if name.split("_id_seq")[0] in
                    ("answers", "checkin_answers", "reactions", "checkin_marks", "response_marks",
                     "processed_commands")]
        # the audit trail holds nothing of the session's participants
        assert not [r for r in reader.everything["audit_events"] if "participant" in str(r)]
    finally:
        reader.close()


def test_a_closed_check_in_round_names_nobody_while_the_session_goes_on(live, app, database_url):
    """The marks that say who checked in stay until the end (a round not shown may be
    reopened), in the order people checked in; the round's answers, settled at close,
    must not be zipped with them."""
    truth, phones, console = run_session(live, app, random.Random(), stop_after_opening=True)
    _disconnect(console, *phones)
    attempts, _references, reader = attack(database_url, truth)
    try:
        assert any(name.startswith("zip: rows") and "checkin_marks" in name for name in (a.name for a in attempts))
        assert_chance(attempts, [])
        marks = [r for r in reader.everything["checkin_marks"]]
        assert len(marks) == PEOPLE and all(m["command_id"] is None for m in marks)  # no retry left to know
    finally:
        reader.close()


def test_the_attack_finds_a_link_where_one_is_left(live, app, database_url):
    """The attack itself is checked: with the rows of a round in arrival order beside a
    record of who acted in that order (as the command records used to be), it wins."""
    truth, phones, console = run_session(live, app, random.Random(), stop_after_opening=True)
    _disconnect(console, *phones)
    with app.app_context():
        db = get_session()
        arrival = [r.author for r in truth.rows]
        # a leak put back by hand: the check-ins' keys in the order they arrived, and a
        # record of each person's command in the same order (as it used to be kept)
        for position, row in enumerate(truth.rows):
            db.execute(text("UPDATE checkin_answers SET id = :new WHERE feeling = :f"),
                       {"new": f"{position:032d}", "f": row.key})
            db.execute(text("INSERT INTO processed_commands (actor, command_id, session_id, response) "
                            "VALUES (:actor, :cid, :sid, '{}')"),
                       {"actor": f"p:{row.author}", "cid": f"{position:032d}", "sid": truth.session_id})
        db.commit()
    attempts, _references, reader = attack(database_url, truth)
    reader.close()
    best = min(attempts, key=lambda a: a.p_value)
    assert best.hits == len(arrival), best
