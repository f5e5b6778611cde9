"""The identifier guard's highlight on the phone: the server's spans count code points,
so an emoji (two UTF-16 units in the browser) before the flagged word does not shift it."""
from playwright.sync_api import expect

from tests.browser.test_full_session import join
from tests.browser.test_join_choice import open_session


def test_an_emoji_before_a_flagged_name_does_not_shift_the_highlight(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    phone = new_page("phone", locale="es-MX")
    join(server, phone, code, name="Sofía")
    console.get_by_role("button", name="Reflect").click()
    expect(phone.locator("#answer-form")).to_be_visible()
    phone.locator("#answer-text").fill("😢😢 pienso en la mamá de Lucía y su tristeza")
    phone.locator("#answer-form button[type=submit]").click()
    expect(phone.locator("#guard-text mark")).to_have_text("Lucía")
    expect(phone.locator("#guard-text")).to_have_text("😢😢 pienso en la mamá de Lucía y su tristeza")
