"""What a phone's person typed is not lost: a draft (an answer per card, the takeaway)
outlives a reload of the tab (the language switch, pull-to-refresh, an old phone
discarding a background tab) in sessionStorage only, and is forgotten once sent or when
the session ends; a command sent and never acknowledged is sent again after a reload with
the same command id; an answer refused because the group moved on is given back to copy;
a sync's reply older than the state shown does not take the phone back; a refusal that
means the phone was behind brings it up to date; and a network that lets websockets hang
falls back to long-polling."""
from __future__ import annotations

import json
import re
import sqlite3

from playwright.sync_api import expect

from tests.a11y import flows
from tests.browsers import wait_in_page

EMIT = re.compile(r"^42/phone,(\d+)(\[.*)$", re.S)
ACK = re.compile(r"^43/phone,(\d+)\[", re.S)


def _emit(message):
    """(id, event, payload) of a phone's emit, or None."""
    found = EMIT.match(message) if isinstance(message, str) else None
    if not found:
        return None
    event, *args = json.loads(found.group(2))
    return int(found.group(1)), event, (args[0] if args else None)


class Relay:
    """The phone's websocket, passed through, with the emits named in ``swallow`` kept
    from the server (never answered), and the server's reply to ids in ``hold`` kept
    back until ``release``. Every emit is recorded."""

    def __init__(self):
        self.swallow: set[str] = set()
        self.hold_event: str | None = None
        self.held_ids: set[int] = set()
        self.held: list = []
        self.emits: list[tuple[str, dict]] = []
        self.pages = []

    def __call__(self, ws):
        server = ws.connect_to_server()
        self.pages.append(ws)

        def from_page(message):
            emit = _emit(message)
            if emit:
                self.emits.append((emit[1], emit[2]))
                if emit[1] in self.swallow:
                    return
                if emit[1] == self.hold_event:
                    self.held_ids.add(emit[0])
                    self.hold_event = None
            server.send(message)

        def from_server(message):
            found = ACK.match(message) if isinstance(message, str) else None
            if found and int(found.group(1)) in self.held_ids:
                self.held_ids.discard(int(found.group(1)))
                self.held.append((ws, message))
                return
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    def release(self):
        for ws, message in self.held:
            ws.send(message)
        self.held = []

    def cids(self, event):
        return [payload["cid"] for name, payload in self.emits if name == event]


def _start(server, new_page, *, relay=None, phase="reflect"):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    if relay:
        phone.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
    flows.join(server, phone, code)
    if phase == "grow":
        flows.phase(console, "reflect")
    flows.phase(console, phase)
    return console, phone, code


def _kept(phone) -> dict:
    return phone.evaluate("Object.fromEntries(Object.entries(sessionStorage).filter(([k]) => k.startsWith('reflect:')))")


def test_a_draft_survives_the_language_switch_and_a_reload_and_is_forgotten_once_sent(server, new_page):
    console, phone, _code = _start(server, new_page)
    expect(phone.locator("#card-meta")).to_contain_text("Card 1 of")
    phone.locator("#answer-text").fill("Half a thought about this card")
    # the page's language switch is a form that loads the page again
    phone.locator(".lang-switch button[lang=es]").click()
    expect(phone.locator("#card-meta")).to_contain_text("Tarjeta 1 de")
    expect(phone.locator("#answer-text")).to_have_value("Half a thought about this card")
    phone.locator(".lang-switch button[lang=en]").click()
    expect(phone.locator("#card-meta")).to_contain_text("Card 1 of")
    phone.reload()  # pull-to-refresh
    expect(phone.locator("#answer-text")).to_have_value("Half a thought about this card")
    expect(phone.locator("#answer-count")).to_have_text(f"{600 - len('Half a thought about this card')} characters left")
    assert phone.evaluate("localStorage.length") == 0  # nothing typed outlives the tab

    phone.locator("#answer-form button[type=submit]").click()
    expect(phone.locator("#answer-done")).to_be_visible()
    expect(console.locator("#answers")).to_contain_text("Half a thought about this card")
    assert not any("Half a thought" in value for value in _kept(phone).values()), _kept(phone)
    phone.reload()
    expect(phone.locator("#answer-done")).to_be_visible()

    # the takeaway too; and everything kept is forgotten when the session ends
    flows.phase(console, "grow")
    phone.locator("#takeaway-text").fill("Slowing down")
    phone.reload()
    expect(phone.locator("#takeaway-text")).to_have_value("Slowing down")
    assert _kept(phone)
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="End the session").click()
    expect(phone.locator("[data-screen=ended]")).to_be_visible()
    assert _kept(phone) == {}


def test_a_command_never_acknowledged_is_sent_again_after_a_reload_with_its_id(server, new_page):
    relay = Relay()
    console, phone, _code = _start(server, new_page, relay=relay)
    expect(phone.locator("#answer-form")).to_be_visible()
    relay.swallow = {"answer"}  # lost on the way: never reaches the server
    phone.locator("#answer-text").fill("Sent just before the battery saver killed the tab")
    phone.locator("#answer-form button[type=submit]").click()
    expect(phone.locator("#answer-form")).to_have_attribute("aria-busy", "true")
    wait_in_page(phone, lambda: relay.cids("answer"))
    assert len(relay.cids("answer")) == 1
    relay.swallow = set()
    phone.reload()
    expect(phone.locator("#answer-done")).to_have_text("Your answer was sent.")
    expect(console.locator("#answers")).to_contain_text("Sent just before the battery saver killed the tab")
    cids = relay.cids("answer")
    assert len(cids) >= 2 and len(set(cids)) == 1, cids
    assert not phone.evaluate("Object.keys(sessionStorage).filter((k) => k.endsWith(':pending')).length")


def test_an_answer_refused_because_the_group_moved_on_is_given_back(server, new_page):
    console, phone, _code = _start(server, new_page)
    expect(phone.locator("#answer-form")).to_be_visible()
    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_contain_text("Reconnecting")
    phone.locator("#answer-text").fill("Written in the tunnel")
    phone.locator("#answer-form button[type=submit]").click()
    console.get_by_role("button", name="Next card").click()
    expect(console.locator("#current-card")).to_contain_text("Card 2 of")
    phone.context.set_offline(False)
    expect(phone.locator("#card-meta")).to_contain_text("Card 2 of")
    expect(phone.locator("#refused")).to_be_visible()
    expect(phone.locator("#refused")).to_contain_text("Not sent: the group had moved on")
    expect(phone.get_by_label("What you wrote")).to_have_value("Written in the tunnel")
    expect(phone.locator("#error")).to_be_hidden()
    phone.locator("#refused-close").click()
    expect(phone.locator("#refused")).to_be_hidden()

    # a takeaway sent as the session ends
    flows.phase(console, "grow")
    expect(phone.locator("#takeaway-form")).to_be_visible()
    phone.context.set_offline(True)
    expect(phone.locator("#connection")).to_contain_text("Reconnecting")
    phone.locator("#takeaway-text").fill("What I keep from today")
    phone.locator("#takeaway-form button[type=submit]").click()
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="End the session").click()
    expect(console.get_by_role("heading", name=re.compile("^Summary"))).to_be_visible()
    phone.context.set_offline(False)
    expect(phone.locator("[data-screen=ended]")).to_be_visible()
    expect(phone.get_by_label("What you wrote")).to_have_value("What I keep from today")


def test_a_sync_reply_older_than_the_card_shown_does_not_take_the_phone_back(server, new_page):
    relay = Relay()
    console, phone, _code = _start(server, new_page, relay=relay)
    expect(phone.locator("#card-meta")).to_contain_text("Card 1 of")
    relay.hold_event = "sync"  # its reply is read now, on card 1, and delivered late
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # back in front: sync
    assert wait_in_page(phone, lambda: relay.held), "the sync's reply never came"
    console.get_by_role("button", name="Next card").click()
    expect(phone.locator("#card-meta")).to_contain_text("Card 2 of")
    relay.release()
    phone.wait_for_timeout(500)
    expect(phone.locator("#card-meta")).to_contain_text("Card 2 of")
    # the reply's own part (this phone's) is still taken: the phone works as before
    flows.answer(phone, "On the second card")
    expect(console.locator("#answers")).to_contain_text("On the second card")


def test_already_answered_elsewhere_brings_the_phone_up_to_date(server, new_page):
    console, phone, _code = _start(server, new_page)
    expect(phone.locator("#answer-form")).to_be_visible()
    other_tab = phone.context.new_page()  # the same person in a second tab
    other_tab.goto(server.url + "/p")
    expect(other_tab.locator("#answer-form")).to_be_visible()
    flows.answer(phone, "From the first tab")
    other_tab.locator("#answer-text").fill("From the second tab")
    other_tab.locator("#answer-form button[type=submit]").click()
    expect(other_tab.locator("#answer-done")).to_have_text("Your answer was sent.")
    expect(other_tab.locator("#answer-form")).to_be_hidden()


def _short_acks(page):
    """The page's socket client gives up on an unanswered command after 1.5 s, once (the
    real page waits 8 s, 20 times): what a long outage looks like, in a test's time."""
    def handle(route):
        response = route.fetch()
        body = response.text().replace("retries: 20", "retries: 0").replace("ackTimeout: 8000", "ackTimeout: 1500")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")}
        route.fulfill(status=response.status, headers=headers, body=body)

    page.route(re.compile(r".*/static/js/live\.js.*"), handle)


def test_an_unchanged_answer_sent_again_after_a_timeout_keeps_its_id(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    relay = Relay()
    _short_acks(phone)
    phone.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
    flows.join(server, phone, code)
    flows.phase(console, "reflect")
    expect(phone.locator("#answer-form")).to_be_visible()
    relay.swallow = {"answer"}
    phone.locator("#answer-text").fill("Maybe it arrived, maybe not")
    phone.locator("#answer-form button[type=submit]").click()
    expect(phone.locator("#error")).to_have_text("Not sent: the connection was lost for too long. Try again.")
    expect(phone.locator("#answer-form button[type=submit]")).to_be_enabled()
    relay.swallow = set()
    phone.locator("#answer-form button[type=submit]").click()
    expect(phone.locator("#answer-done")).to_be_visible()
    cids = relay.cids("answer")
    assert len(cids) == 2 and cids[0] == cids[1], cids
    # after a timeout the phone asked for the truth
    assert [name for name, _payload in relay.emits].count("sync") >= 1


def test_a_network_that_lets_websockets_hang_falls_back_to_long_polling(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    # the page's timers run on a clock the test can move on (in real time otherwise)
    phone.clock.install()
    # every websocket "opens" and then never says anything (a proxy that holds it)
    held = []
    phone.route_web_socket(re.compile(r".*/socket\.io/.*"), lambda ws: held.append(ws))
    phone.goto(server.url + "/join")
    phone.locator("#code").fill(code)
    phone.locator("main form button[type=submit]").click()
    phone.locator("#agree").check()
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/p$"))
    assert wait_in_page(phone, lambda: held), "the phone opened no websocket"
    expect(phone.locator("[data-screen=lobby]")).not_to_be_visible()  # the held websocket connects nothing
    # the first attempt times out (Socket.IO's 20 s, on the page's clock); the next one
    # starts with long-polling
    phone.clock.fast_forward(21_000)
    expect(phone.locator("[data-screen=lobby]")).to_be_visible()
    flows.phase(console, "reflect")
    flows.answer(phone, "Sent over long-polling")
    expect(console.locator("#answers")).to_contain_text("Sent over long-polling")
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1
