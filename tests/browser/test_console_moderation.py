"""What the facilitator decides before the group sees it, on the console: a second device
that picks a roster name already here waits until the facilitator says it is the same
person (then it is, and the room still counts one) or refuses it; a note marked for the
supervisor that looks identifying is not shared until the facilitator, warned first with
the flagged words highlighted, shares it anyway."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.a11y import flows
from tests.a11y.test_axe import Audit


def _join_as_roster(server, page, code: str, name: str) -> None:
    page.goto(server.url + "/join")
    page.locator("#code").fill(code)
    page.locator("main form button[type=submit]").click()
    page.locator("#agree").check()
    page.get_by_label(name, exact=True).check()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/p$"))


def test_a_roster_claim_and_a_flagged_note_wait_for_the_facilitator(server, new_page):
    audit = Audit()
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    first, second = new_page("phone"), new_page("phone")
    _join_as_roster(server, first, code, "Ana")
    expect(first.locator("[data-screen=lobby]")).to_be_visible()
    _join_as_roster(server, second, code, "Ana")
    expect(second.locator("[data-screen=waiting]")).to_be_visible()

    claim = console.locator("#waiting li")
    expect(claim).to_contain_text("chose the name of Ana, already here, on another device.")
    expect(console.locator("#people li")).to_contain_text("(same name as someone else here)")
    audit(console, "console: a second device claims a roster name")
    claim.get_by_role("button", name="Same person: Ana").click()
    expect(second.locator("[data-screen=lobby]")).to_be_visible()
    expect(console.locator("#waiting li")).to_have_count(0)
    expect(console.locator("#people li")).to_have_count(1)
    expect(console.locator("#people li")).not_to_contain_text("same name")

    # a note for the supervisor that names a family: warned before anything is shared
    console.locator("#note-text").fill("Mom Sarah Jones called at 555-123-4567")
    console.locator("#note-share").check()
    warning = console.locator("#note-warning")
    expect(warning).to_be_visible()
    expect(warning.locator("mark").first).to_be_visible()
    expect(console.locator("#note-status")).to_have_text("Saved, not shared yet")
    audit(console, "console: a flagged note held back")
    warning.get_by_role("button", name="Share anyway").click()
    expect(warning).to_be_hidden()
    expect(console.locator("#note-status")).to_have_text("Saved")
    audit.assert_clean(at_least=2)
