"""The database administrator's attack on a session held through real server processes
(eventlet and gevent; SQLite and PostgreSQL): people check in and answer anonymously in
orders of their own, the session ends, and every join and order a reader of the
database has must do no better than chance (``tests/security/linkage.py``)."""
from __future__ import annotations

import asyncio
import random
from contextlib import nullcontext

import pytest
from sqlalchemy import create_engine, text

from reflect.rooms import feelings
from tests.live.client import connect, create_session, facilitator, facilitator_socket, join, run
from tests.security.linkage import Truth, assert_chance, attack, letters
from tests.servers import fresh_pg_database, prepared_server

PEOPLE = 6


@pytest.fixture(params=[("eventlet", "sqlite"), ("gevent", "sqlite"), ("eventlet", "postgresql"),
                        ("gevent", "postgresql")], ids=lambda p: f"{p[0]}-{p[1]}")
def server(request, tmp_path):
    mode, backend = request.param
    with (fresh_pg_database("reflect_anon") if backend == "postgresql" else nullcontext()) as url:
        live = prepared_server(mode, tmp_path, database_url=url).start()
        try:
            yield live
        finally:
            live.stop()


def _ids(url: str, session_id: int) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {name: pid for pid, name in conn.execute(text(
                "SELECT id, display_name FROM participants WHERE session_id = :s"), {"s": session_id})}
    finally:
        engine.dispose()


def test_a_session_on_real_servers_leaves_no_link_from_a_person_to_an_anonymous_row(server):
    rng = random.Random()
    names = [f"Quill Zephyr {i}" for i in range(PEOPLE)]

    async def scenario() -> Truth:
        http = await facilitator(server.url, server)
        session_id, code = await create_session(http, server.url)
        console = await facilitator_socket(server.url, http, session_id)
        phones = [await connect(server.url, "/phone", cookie=await join(server.url, code, name=name))
                  for name in names]
        ids = _ids(server.database_url, session_id)
        truth = Truth(session_id=session_id, people={ids[n]: n for n in names})
        author = [ids[n] for n in names]
        order = list(range(PEOPLE))

        assert (await console.command("phase", to="connect"))["ok"]
        rng.shuffle(order)
        picks = rng.sample(sorted(feelings.by_key()), PEOPLE)
        for i in order:
            reply = await phones[i].command("checkin", kind="opening", scores={"energy": 1 + i % 5}, feeling=picks[i])
            assert reply["ok"], reply
            truth.add("opening", "checkin_answers", picks[i], author[i])
        assert (await console.command("phase", to="reflect"))["ok"]
        card = (await console.wait_for(lambda s: s.get("card") is not None))["card"]["id"]
        rng.shuffle(order)
        for i in order:
            words = f"answer {letters(rng)}"
            reply = await phones[i].command("answer", card=card, text=words,
                                            audience="facilitator" if i == order[0] else "group")
            assert reply["ok"], reply
            truth.add(f"card:{card}", "answers", words, author[i])
        assert (await console.command("card", action="next"))["ok"]
        card = (await console.wait_for(lambda s: (s.get("card") or {}).get("position") == 1))["card"]["id"]
        lone = rng.randrange(PEOPLE)
        for i in order:
            if i == lone:
                words = f"the only answer {letters(rng)}"
                reply = await phones[i].command("answer", card=card, text=words, audience="group")
                assert reply["ok"], reply
                truth.add(f"card:{card}", "answers", words, author[i])
            else:
                reply = await phones[i].command("pass", card=card)
                assert reply["ok"], reply
        assert (await console.command("phase", to="ended"))["ok"]
        await asyncio.gather(*(p.sio.disconnect() for p in phones), console.sio.disconnect())
        await http.close()
        await asyncio.sleep(0.3)  # the server sees the sockets go
        return truth

    truth = run(scenario())
    attempts, references, reader = attack(server.database_url, truth)
    try:
        assert_chance(attempts, references)
        for table in ("checkin_marks", "response_marks", "reactions"):
            assert not reader.everything[table], table
        assert not [r for r in reader.everything["processed_commands"] if r["actor"].startswith("p:")]
    finally:
        reader.close()
