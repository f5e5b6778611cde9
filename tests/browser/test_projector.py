"""The projector is read from the back of a room: a large join code and timer, answers
in large type in several columns, and in a big room, when they do not all fit, pages of
them that come round by themselves, the newest page first (never a column falling off
the screen). Every screen size and phase: test_presentation_fits.py."""
from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.a11y import flows

FRAME = re.compile(r"^42/display,\[\"state\",")


def _px(page, selector, prop="font-size") -> float:
    """The computed size of the element the selector finds, found and measured in one step (the
    display redraws its lists as state arrives, so an element found earlier may have been replaced)."""
    value = page.wait_for_function(
        "([selector, prop]) => { const e = document.querySelector(selector);"
        " return e && e.isConnected ? getComputedStyle(e).getPropertyValue(prop) || null : null; }",
        arg=[selector, prop]).json_value()
    return float(value.removesuffix("px"))


def test_the_projector_is_readable_from_the_back_and_fits_a_big_room(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    display = new_page("laptop")  # 1280 x 800
    sockets = []
    last = {}

    def relay(ws):
        upstream = ws.connect_to_server()
        sockets.append(ws)

        def from_server(message):
            if isinstance(message, str) and FRAME.match(message):
                last["state"] = json.loads(message[len("42/display,"):])[1]
            ws.send(message)

        upstream.on_message(from_server)

    display.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
    flows.open_display(console, display)
    phone = new_page("phone")
    flows.join(server, phone, code)
    flows.phase(console, "reflect")
    console.get_by_role("button", name="2 minutes").click()
    expect(display.locator("#timer")).to_be_visible()
    flows.answer(phone, "A first answer, shared with the group")
    console.get_by_role("button", name="Reveal shared answers").click()
    expect(display.locator("#revealed li")).to_have_count(1)
    expect(display.locator("#revealed-page")).to_be_hidden()

    # sizes follow the screen: on this 800 px high one, as on any, at least these shares of its height
    height = display.viewport_size["height"]
    assert _px(display, "#join-code") >= 0.05 * height
    assert _px(display, "#timer") >= 0.05 * height
    assert _px(display, "#revealed .answer-text") >= 0.023 * height

    # a room of 40: what the server would send once 40 answers are revealed
    state = dict(last["state"])
    state["version"] += 1
    state["revealed"] = [{"id": f"{n:032x}", "text": f"Answer number {n + 1}, a sentence or two long as most are in a room.",
                          "author": None, "resonates": 0} for n in range(40)]
    sockets[-1].send("42/display," + json.dumps(["state", state]))
    items = display.locator("#revealed li:not([hidden])")
    expect(display.locator("#revealed-page")).to_be_visible()
    pages = int(display.locator("#revealed-page").inner_text().split()[-1])
    assert pages > 1
    expect(display.locator("#revealed-page")).to_have_text(f"Page {pages} of {pages}")  # the newest first
    shown = items.count()
    assert 2 <= shown < 40
    expect(items.last).to_contain_text("Answer number 40,")  # the newest
    expect(items.last).to_be_in_viewport()
    bottom = display.eval_on_selector_all("#revealed li:not([hidden])",
                                          "(items) => Math.max(...items.map((i) => i.getBoundingClientRect().bottom))")
    assert bottom <= display.viewport_size["height"]
    tops = display.eval_on_selector_all("#revealed li:not([hidden])",
                                        "(items) => items.map((i) => Math.round(i.getBoundingClientRect().top))")
    assert len(set(tops)) < len(tops), "answers in one column"
