"""Facilitator consoles and projector displays are recorded in the database while they
are connected, so that with a message queue every process knows which screen rooms
have someone in them and builds no state for a screen nobody has open."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reflect.db import get_session, utcnow
from reflect.models import ScreenPresence
from reflect.rooms import screens, state
from tests.socket.conftest import cmd, last_state, statements

P, F, D = "/phone", "/facilitator", "/display"


def _screens(live) -> set[tuple[str, str, str]]:
    with live.app.app_context():
        rows = get_session().execute(select(ScreenPresence.audience, ScreenPresence.lang, ScreenPresence.server_id)
                                     .where(ScreenPresence.session_id == live.session_id)).all()
        return {tuple(row) for row in rows}


def test_a_console_and_a_display_are_recorded_while_connected(live):
    console = live.console()
    display = live.display(lang="es")
    here = live.app.extensions["reflect.process"].server_id
    assert _screens(live) == {("facilitator", "en", here), ("display", "es", here)}

    display.disconnect(namespace=D)
    assert _screens(live) == {("facilitator", "en", here)}
    console.disconnect(namespace=F)
    assert _screens(live) == set()


def test_a_refused_display_is_not_recorded(live):
    display = live.display(key="0" * 32)
    assert not display.is_connected(D)
    assert _screens(live) == set()


@pytest.fixture
def built(monkeypatch):
    """The screens' states this process builds, as (audience, language)."""
    made: list[tuple[str, str]] = []
    display_state, facilitator_state = state.display_state, state.facilitator_state

    def display(view, lang):
        made.append(("display", lang))
        return display_state(view, lang)

    def facilitator(view, user_id, lang, **kwargs):
        made.append(("facilitator", lang))
        return facilitator_state(view, user_id, lang, **kwargs)

    monkeypatch.setattr(state, "display_state", display)
    monkeypatch.setattr(state, "facilitator_state", facilitator)
    return made


def test_with_a_message_queue_states_are_built_only_for_screens_open_in_some_process(live, built):
    # As a process of a cluster sees it: other processes may hold sockets, so its own
    # rooms do not say who listens; the database does.
    live.app.config["REFLECT_MESSAGE_QUEUE"] = "redis://127.0.0.1:6379/0"
    console = live.console()
    phone = live.phone()
    cmd(console, F, "phase", to="reflect")
    card = last_state(phone, P)["card"]["id"]
    built.clear()

    assert cmd(phone, P, "answer", card=card, text="A thought", audience="group", named=False)["ok"]
    assert last_state(console, F)["counts"]["card"]["answered"] == 1
    # no display is open anywhere, and the console is in English: one state, the console's
    assert built == [("facilitator", "en")]

    display = live.display(lang="es")
    built.clear()
    assert cmd(console, F, "card", action="next")["ok"]
    assert ("display", "es") in built and ("display", "en") not in built
    assert ("facilitator", "es") not in built
    assert last_state(display, D)["card"]["position"] == 1


def test_without_a_message_queue_the_process_own_rooms_say_who_listens(live, built):
    console = live.console()
    phone = live.phone()
    cmd(console, F, "phase", to="reflect")
    built.clear()
    assert cmd(console, F, "card", action="next")["ok"]
    assert built == [("facilitator", "en")]
    assert last_state(phone, P)["card"]["position"] == 1


def test_the_heartbeat_refreshes_this_process_screens_and_the_sweep_drops_stale_ones(live):
    live.console()
    here = live.app.extensions["reflect.process"].server_id
    with live.app.app_context():
        db = get_session()
        old = utcnow() - timedelta(minutes=5)
        db.add(ScreenPresence(sid="crashed-process-socket", session_id=live.session_id, audience="display",
                              lang="en", server_id="another-process", seen_at=old))
        db.execute(ScreenPresence.__table__.update().where(ScreenPresence.server_id == here).values(seen_at=old))
        db.commit()

        screens.heartbeat(db, here)
        db.commit()
        assert screens.sweep_stale(db, timedelta(seconds=45)) == 1
        db.commit()
        assert screens.listening(db, live.session_id) == frozenset({("facilitator", "en")})


def test_a_screen_connecting_declares_its_write_before_it_reads(live, app):
    """A unit of work that reads then writes takes SQLite's write lock first (a WAL
    reader that then writes fails if another wrote meanwhile): connecting reads the
    session and then records the screen."""
    engine = app.extensions["reflect.store"].engine
    with statements(app) as seen:
        console = live.console()
        display = live.display()
    assert console.is_connected(F) and display.is_connected(D)
    records = [i for i, s in enumerate(seen) if s.lstrip().upper().startswith("INSERT INTO SCREEN_PRESENCE")]
    assert len(records) == 2
    assert not [s for s in seen if "FROM screen_presence" in s], seen  # a new socket: no look-up first
    if engine.dialect.name == "sqlite":
        for i in records:  # the transaction that records the screen began as a writer, before its reads
            began = max(j for j in range(i) if seen[j].startswith("BEGIN"))
            assert seen[began] == "BEGIN IMMEDIATE" and any(s.startswith("SELECT") for s in seen[began:i]), seen
