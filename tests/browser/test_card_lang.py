"""The card's text carries the language it is shown in (the state's ``card.lang``), on
the phone, the console and the projector, so that a card shown in another language
(no translation yet) is read aloud in that language."""
from playwright.sync_api import expect

from tests.browser.test_full_session import join
from tests.browser.test_join_choice import open_session


def test_the_card_text_says_its_language_on_every_screen(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    display = new_page("laptop")
    display.goto(console.get_by_role("link", name="Open the projector view").get_attribute("href"))
    sofia = new_page("phone", locale="es-MX")
    join(server, sofia, code, name="Sofía")
    console.get_by_role("button", name="Reflect").click()
    expect(sofia.locator("#card-text")).not_to_be_empty()
    expect(sofia.locator("#card-text")).to_have_attribute("lang", "es")
    expect(sofia.locator("#card-followup")).to_have_attribute("lang", "es")
    expect(console.locator("#current-card .card-text")).to_have_attribute("lang", "en")
    expect(display.locator("#card-text")).to_have_attribute("lang", "en")
