"""One-screen presenting: a facilitator with one screen (a laptop in a video call)
presents from the console. The presentation fills the window with a small control bar
(next and previous card, reveal, timer, back to the console), as presenter tools do, and
shows only what the projector shows: never notes, private answers or "talk after"."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.a11y import flows
from tests.a11y.test_axe import Audit
from tests.browser.test_presentation_fits import FITS


def test_presenting_from_the_console_on_one_screen(server, new_page):
    audit = Audit()
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    flows.join(server, phone, code, name="Ana")
    flows.phase(console, "reflect")
    console.get_by_role("button", name="Keyboard shortcuts").click()
    expect(console.locator("#shortcuts")).to_be_visible()
    audit(console, "console: the shortcuts dialog")
    console.keyboard.press("Escape")
    console.locator("#note-text").fill("PRIVATE NOTE about the group")
    expect(console.locator("#note-status")).to_have_text("Saved")
    flows.answer(phone, "ONLY FOR THE FACILITATOR", audience="facilitator")
    phone.locator("#talk-after").click()
    expect(console.locator("#talk-after li")).to_have_count(1)

    console.set_viewport_size({"width": 1280, "height": 720})  # a window shared in a video call
    console.get_by_role("link", name="Present on this screen").click()
    expect(console).to_have_url(re.compile(r"/display/\d+/[0-9a-f]+\?present=1$"))
    bar = console.get_by_role("navigation", name="Presenter controls")
    expect(bar).to_be_visible()
    expect(console.locator(".site-header")).to_have_count(0)
    expect(console.locator("#card-meta")).to_contain_text("Card 1 of")
    assert not console.evaluate(FITS)
    audit(console, "presenting: a card")

    bar.get_by_role("button", name="Next card").click()
    expect(console.locator("#card-meta")).to_contain_text("Card 2 of")
    console.keyboard.press("ArrowRight")
    expect(console.locator("#card-meta")).to_contain_text("Card 3 of")
    console.keyboard.press("ArrowLeft")
    expect(console.locator("#card-meta")).to_contain_text("Card 2 of")
    flows.answer(phone, "Shared with everyone on card two")
    bar.get_by_role("button", name="Reveal shared answers").click()
    expect(console.locator("#revealed li")).to_have_text(["Shared with everyone on card two"])
    console.keyboard.press("t")
    expect(console.locator("#timer")).to_have_text(re.compile(r"[12]:\d\d"))
    bar.get_by_role("button", name="Stop timer").click()
    expect(console.locator("#timer")).to_be_hidden()
    assert not console.evaluate(FITS)

    # nothing private ever reaches this screen
    page_text = console.locator("body").inner_text()
    for private in ("PRIVATE NOTE", "ONLY FOR THE FACILITATOR", "Would like to talk after", "Ana —"):
        assert private not in page_text

    console.locator("#contrast").click()
    audit(console, "presenting: revealed answers, high contrast")
    console.locator("#contrast").click()

    bar.get_by_role("link", name="Back to the console").click()
    expect(console.locator("#phase-name")).to_have_text("Reflect")
    expect(console.locator("#current-card")).to_contain_text("Card 2 of")
    audit.assert_clean(at_least=3)


def test_only_the_sessions_facilitator_gets_the_control_bar(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    flows.open_session(server, console)
    present = console.get_by_role("link", name="Present on this screen").get_attribute("href")
    stranger = new_page("laptop")  # the projector's address, not signed in
    stranger.goto(present)
    expect(stranger.locator("section[data-screen=lobby]")).to_be_visible()
    expect(stranger.locator("#present-bar")).to_have_count(0)
