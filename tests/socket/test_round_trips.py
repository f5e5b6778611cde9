"""Round trips to PostgreSQL on the commands a room sends most, counted as the server
sees them: each query message the app's connections send (tests/pg_wire.py relays
them). A transaction's ``BEGIN`` travels with its first statement, and a command's
record with its ``COMMIT`` (``reflect.pg_connection``): without that, each is a round
trip of its own, two more per command. A card move's read of what the phones are shown
of the new card goes after its COMMIT, in the same message
(``compiled_statements.CompiledStatement.after_commit``)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from reflect.db import get_session
from reflect.models import Answer, ProcessedCommand
from tests.conftest import _truncate_pg
from tests.pg_wire import QueryRelay
from tests.socket.conftest import cmd, last_state

P, F = "/phone", "/facilitator"


@pytest.fixture
def backend():
    """Pins ``database_url`` (tests/conftest.py): these tests are about PostgreSQL."""
    return "postgresql"


@pytest.fixture
def relay(pg_database):
    relay = QueryRelay(pg_database)
    yield relay
    relay.close()


@pytest.fixture
def database_url(backend, pg_database, relay):
    _truncate_pg(pg_database)
    return relay.url(pg_database)


def _until_commit(relay: QueryRelay, sent: list[tuple[int, str]], *, raw: bool = False) -> list[str]:
    """The queries of the first transaction to commit, on its own connection: what the
    pool's other connections send meanwhile (a background task's state read, the
    ROLLBACK that resets a connection it returns) is not this command's round trip.
    Each prepared statement's EXECUTE is shown as the statement's text (unless ``raw``);
    a statement's PREPARE, sent once per connection at its first use there, is left out
    (``test_each_statement_is_prepared_once_per_connection``)."""
    ends = [i for i, (_conn, query) in enumerate(sent) if "COMMIT" in query.split(";")]
    assert ends, sent
    connection = sent[ends[0]][0]
    mine = [query for conn, query in sent[:ends[0] + 1] if conn == connection and not query.startswith("PREPARE ")]
    begins = [i for i, query in enumerate(mine) if query.startswith("BEGIN")]
    mine = mine[begins[-1]:] if begins else mine  # not the reset of the same connection's last use
    return mine if raw else [relay.resolved(connection, query) for query in mine]


def test_a_card_move_is_two_round_trips_before_its_commit_returns(live, relay):
    """Who asks with the session's row locked (with the BEGIN); then, in one message, the
    move (the new card marked shown), the record, the COMMIT and, after it, the new
    card's revealed answers, which the phones get."""
    console, phone, other = live.console(), live.phone(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="The baby watched her mother", audience="group")["ok"]
    assert cmd(other, P, "answer", card=card, text="I felt rushed", audience="group")["ok"]
    assert cmd(console, F, "reveal", card=card)["revealed"] == 2
    assert cmd(console, F, "card", action="next")["ok"]
    relay.taken()
    assert cmd(console, F, "card", action="prev")["ok"]  # back to the card with revealed answers
    sent = _until_commit(relay, relay.taken_by_connection())
    assert len(sent) == 2, sent
    assert sent[0].startswith("BEGIN;") and "FOR UPDATE OF group_sessions" in sent[0], sent[0]
    before, after = sent[1].split(";COMMIT;")
    assert all(part in before for part in ("UPDATE group_sessions", "UPDATE session_cards",
                                           "INSERT INTO processed_commands")), before
    assert after.startswith("SELECT answers.id") and "FROM answers" in after, after
    public = last_state(phone, P)
    assert public["card"]["position"] == 0
    assert sorted(a["text"] for a in public["revealed"]) == ["I felt rushed", "The baby watched her mother"]


def test_an_answer_is_three_round_trips_before_its_commit_returns(live, app, relay):
    """The phone and its session (with the BEGIN), the mark and the answer in one
    statement, and the COMMIT. An answer writes no command record: a record naming the
    phone beside the anonymous row would link them (its retry is known by its mark)."""
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    relay.taken()
    assert cmd(phone, P, "answer", card=card, text="She held the baby close", audience="group")["ok"]
    sent = _until_commit(relay, relay.taken_by_connection())
    assert len(sent) == 3, sent
    assert sent[0].startswith("BEGIN;"), sent[0]
    assert sent[2] == "COMMIT", sent[2]
    assert not any("processed_commands" in query for query in sent), sent
    with app.app_context():
        assert get_session().scalars(select(Answer.text)).all() == ["She held the baby close"]


def test_a_retry_stopped_at_the_commit_leaves_one_effect_and_gets_the_first_acknowledgement(live, app, relay):
    """A "next card" sent twice: the retry's record, sent with its COMMIT, collides with
    the first one's; the commit fails, the retry's move is rolled back with it, and the
    retry gets the stored acknowledgement."""
    console = live.console()
    cmd(console, F, "phase", to="reflect")
    payload = {"cid": "retry-at-commit", "action": "next"}
    first = console.emit("card", payload, namespace=F, callback=True)
    relay.taken()
    again = console.emit("card", payload, namespace=F, callback=True)
    sent = [relay.resolved(connection, query) for connection, query in relay.taken_by_connection()]
    assert first["ok"] and again == first
    assert any("INSERT INTO processed_commands" in q and ";COMMIT" in q for q in sent), sent
    assert "ROLLBACK" in sent, sent
    assert last_state(console, F)["card"]["position"] == 1
    with app.app_context():
        records = select(func.count()).select_from(ProcessedCommand).where(ProcessedCommand.command_id == "retry-at-commit")
        assert get_session().scalar(records) == 1


def test_each_statement_is_prepared_once_per_connection(live, relay):
    """The card move, the command's record and the read of the new card's answers are
    prepared statements (their parsing and planning skipped on every command): each is
    prepared at its first use on a connection, never again there, and then executed.
    (Who asks, with the session's row locked, is an ordinary query.)"""
    console, phone = live.console(), live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    assert cmd(phone, P, "answer", card=card, text="The room was loud", audience="group")["ok"]
    for action in ("next", "prev", "next", "prev", "next"):
        relay.taken()
        assert cmd(console, F, "card", action=action)["ok"]
        raw = _until_commit(relay, relay.taken_by_connection(), raw=True)
        assert [[statement.split(" ")[0] for statement in re.split(r";(?=[A-Z])", query)] for query in raw] == [
            ["BEGIN", "SELECT"], ["EXECUTE", "EXECUTE", "COMMIT", "EXECUTE"]], raw
    assert last_state(phone, P)["card"]["position"] == 1
    prepared = relay.preparations
    assert any("INSERT INTO processed_commands" in text for _connection, text in prepared), prepared
    assert any(text.startswith("SELECT answers.id") for _connection, text in prepared), prepared
    assert len(prepared) == len(set(prepared)), prepared  # none twice on one connection
