"""A room's answers and the facilitator's card moves at the same moment, on PostgreSQL
(eventlet and gevent): answers take the session row's shared lock and do not wait for
one another, a card move takes it exclusively. Nothing deadlocks or fails: every answer
is either stored for the card it was sent for or refused because the group has moved
on, and what was acknowledged is exactly what is stored."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, func, select

from reflect.models import Answer, ResponseMark
from tests.live.client import run
from tests.servers import LiveSocket, join_phone, pg_server_with_sessions, sign_in

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]
EMAIL, PASSWORD = "fac@example.org", "a long enough password"
PHONES = 12
ROUNDS = 3


@pytest.fixture(params=["eventlet", "gevent"])
def pg_room(request, tmp_path):
    with pg_server_with_sessions(request.param, tmp_path, email=EMAIL, password=PASSWORD,
                                 count=1) as (server, (room,), url):
        yield server, room, url


def _count(url: str, query) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


def test_answers_racing_card_moves_are_stored_or_refused_never_lost_or_failed(pg_room):
    server, room, url = pg_room
    cookies = [join_phone(server.url, room["code"]) for _ in range(PHONES)]
    acks: list[tuple[int, dict]] = []  # (card sent for, ack)

    async def scenario():
        console = LiveSocket("/facilitator", "console")
        phones = [LiveSocket("/phone", f"phone {i}") for i in range(PHONES)]
        try:
            await console.connect(server.url, cookie=sign_in(server.url, EMAIL, PASSWORD), auth={"session": room["id"]})
            for phone, cookie in zip(phones, cookies):
                await phone.connect(server.url, cookie=cookie)
                await phone.wait_for(lambda e, d: e == "snapshot", what="snapshot")
            card = next(d for e, d in phones[0].events if e == "snapshot")["public"]["card"]["id"]
            for round_ in range(ROUNDS):
                async def answer(phone, card=card, round_=round_):
                    ack = await phone.call("answer", {"card": card, "text": f"A thought in round {round_}",
                                                      "audience": "group"}, timeout=30)
                    acks.append((card, ack))

                # every phone answers while the facilitator moves on: half the answers
                # are sent just before the move, half just after
                half = PHONES // 2
                move = console.call("card", {"action": "next"}, timeout=30)
                results = await asyncio.gather(*(answer(p) for p in phones[:half]), move,
                                               *(answer(p) for p in phones[half:]))
                assert results[half]["ok"], results[half]
                latest = await phones[0].wait_for(
                    lambda e, d, old=card: e == "state" and d["card"] and d["card"]["id"] != old, what="the next card")
                card = latest[1]["card"]["id"]
        finally:
            for sock in (console, *phones):
                await sock.close()

    run(scenario())
    assert len(acks) == PHONES * ROUNDS
    refused = [ack for _card, ack in acks if not ack["ok"]]
    assert all(ack["error"]["code"] == "card_not_current" for ack in refused), refused
    stored = [card for card, ack in acks if ack["ok"]]
    assert stored, "no answer got in before any card move"
    assert _count(url, select(func.count()).select_from(Answer)) == len(stored)
    for card in set(stored):
        assert _count(url, select(func.count()).select_from(Answer).where(Answer.session_card_id == card)) \
            == stored.count(card)
        assert _count(url, select(func.count()).select_from(ResponseMark)
                      .where(ResponseMark.prompt == f"card:{card}")) == stored.count(card)
