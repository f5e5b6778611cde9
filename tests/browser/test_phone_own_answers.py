"""A phone keeps, on that device and for that session only, what it sent anonymously, so
that its author can reread it (the server never sends an anonymous answer back with an
author); the takeaway can be passed, like a card."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.a11y import flows


def test_a_phone_rereads_its_anonymous_answers_and_can_pass_the_takeaway(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    phone = new_page("phone")
    flows.join(server, phone, code)
    flows.phase(console, "reflect")
    flows.answer(phone, "Something I noticed in myself")
    mine = phone.locator("#my-answers li")
    expect(mine).to_have_text(["You sent (kept only on this phone): Something I noticed in myself"])
    phone.reload()  # still there after a reload: kept on the device
    expect(mine).to_have_text(["You sent (kept only on this phone): Something I noticed in myself"])
    # the next card has nothing of this phone's yet
    console.get_by_role("button", name="Next card").click()
    expect(phone.locator("#card-meta")).to_contain_text("Card 2 of")
    expect(mine).to_have_count(0)

    flows.phase(console, "grow")
    expect(phone.locator("#takeaway-form")).to_be_visible()
    phone.locator("#takeaway-pass").click()
    expect(phone.locator("#takeaway-passed")).to_have_text("You passed on the takeaway.")
    expect(phone.locator("#takeaway-form")).to_be_hidden()
    expect(console.locator("#takeaway-counts")).to_have_text("0 answered, 1 passed")
    phone.reload()
    expect(phone.locator("#takeaway-passed")).to_be_visible()

    # the session ends: what was kept for it is forgotten on the phone
    console.once("dialog", lambda dialog: dialog.accept())
    console.locator("#end-session").click()
    expect(phone.locator("section[data-screen=ended]")).to_be_visible()
    kept = phone.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('reflect:'))")
    assert kept == []
