"""A draft answer belongs to its card: when the facilitator moves to another card the
answer box is emptied (nothing typed for one card can be sent to the next), and the
draft comes back when the card does."""
from playwright.sync_api import expect

from tests.browser.test_full_session import join
from tests.browser.test_join_choice import open_session


def test_a_draft_stays_with_its_card(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    ana = new_page("phone")
    join(server, ana, code, name="Ana")
    console.get_by_role("button", name="Reflect").click()
    expect(ana.locator("#card-meta")).to_contain_text("Card 1 of")
    ana.locator("#answer-text").fill("A thought about the first card")
    console.get_by_role("button", name="Next card").click()
    expect(ana.locator("#card-meta")).to_contain_text("Card 2 of")
    expect(ana.locator("#answer-text")).to_have_value("")
    expect(ana.locator("#answer-count")).to_have_text("600 characters left")
    console.get_by_role("button", name="Previous card").click()
    expect(ana.locator("#card-meta")).to_contain_text("Card 1 of")
    expect(ana.locator("#answer-text")).to_have_value("A thought about the first card")
