"""Real phones: a tab that was in the background catches up when it comes back, and a
phone that loses the network mid-card keeps what it sends, shows that it is
reconnecting, and carries on with nothing lost or doubled."""
from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import expect

from tests.a11y import flows


def _database(server) -> sqlite3.Connection:
    return sqlite3.connect(server.database_url.removeprefix("sqlite:///"))


def test_a_phone_back_from_the_background_resyncs(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    # A backgrounded tab misses what the server pushes: here the events the server sends
    # are held back from the page (the connection itself stays up, heartbeats pass).
    frozen = {"on": False}

    def relay(ws):
        upstream = ws.connect_to_server()
        upstream.on_message(lambda message: None if frozen["on"] and str(message).startswith("42")
                            else ws.send(message))

    phone.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
    flows.join(server, phone, code)
    flows.phase(console, "reflect")
    expect(phone.locator("#card-meta")).to_contain_text("Card 1 of")

    frozen["on"] = True
    console.get_by_role("button", name="Next card").click()
    expect(console.locator("#current-card")).to_contain_text("Card 2 of")
    console.get_by_role("button", name="Next card").click()
    expect(console.locator("#current-card")).to_contain_text("Card 3 of")
    expect(phone.locator("#card-meta")).to_contain_text("Card 1 of")  # it missed both
    frozen["on"] = False

    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # back in front
    expect(phone.locator("#card-meta")).to_contain_text("Card 3 of")
    expect(phone.locator("#card")).to_be_focused()
    expect(phone.locator("#announcer")).to_contain_text("New card")


def test_a_phone_that_loses_the_network_mid_card_loses_and_doubles_nothing(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    flows.join(server, phone, code)
    other = new_page("phone")
    flows.join(server, other, code)
    flows.phase(console, "reflect")
    expect(phone.locator("#answer-form")).to_be_visible()
    expect(phone.locator("#connection")).to_have_text("")

    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_contain_text("Reconnecting")
    expect(phone.locator("#connection")).to_have_class(re.compile(r"\boffline\b"))
    expect(phone.locator("#connection")).to_be_in_viewport()
    phone.locator("#answer-text").fill("Written on the bus with no signal")
    phone.locator("#answer-form button[type=submit]").click()
    # kept on the phone, its buttons disabled so it cannot be sent twice
    expect(phone.locator("#answer-form button[type=submit]")).to_be_disabled()
    expect(phone.locator("#answer-form")).to_have_attribute("aria-busy", "true")
    flows.answer(other, "An answer from a phone with signal")
    expect(console.locator("#answer-counts")).to_contain_text("1 answered")

    phone.context.set_offline(False)
    expect(phone.locator("#connection")).to_have_text("")
    expect(phone.locator("#answer-done")).to_have_text("Your answer was sent.")
    expect(console.locator("#answer-counts")).to_contain_text("2 answered, 0 passed")
    expect(console.locator("#answers")).to_contain_text("Written on the bus with no signal")
    expect(phone.locator("#error")).to_be_hidden()

    # the next card works as before, and the answer is stored once
    console.get_by_role("button", name="Next card").click()
    expect(phone.locator("#card-meta")).to_contain_text("Card 2 of")
    flows.answer(phone, "Back to normal")
    expect(console.locator("#answer-counts")).to_contain_text("1 answered")
    with _database(server) as db:
        rows = db.execute("SELECT COUNT(*) FROM answers WHERE text = ?", ("Written on the bus with no signal",))
        assert rows.fetchone()[0] == 1
        marks = db.execute("SELECT COUNT(*) FROM response_marks").fetchone()[0]
        assert marks == 3  # two phones on card 1, one on card 2
    console.get_by_role("button", name="Previous card").click()
    expect(console.locator("#answers li")).to_have_count(2)
