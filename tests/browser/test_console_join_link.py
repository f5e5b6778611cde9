"""The console shows a join link with the code filled in (what the projector's QR code
opens) and a labelled button that copies it."""
from playwright.sync_api import expect

from tests.browser.test_join_choice import open_session


def test_the_console_offers_a_copyable_join_link_with_the_code(server, new_page):
    console = new_page("laptop")
    console.context.grant_permissions(["clipboard-read", "clipboard-write"])
    code = open_session(server, console)
    link = console.get_by_label("Or send this link (the code is filled in)")
    expect(link).to_have_value(f"{server.url}/join?code={code}")
    console.get_by_role("button", name="Copy link").click()
    expect(console.locator("#copy-status")).to_have_text("Link copied")
    assert console.evaluate("navigator.clipboard.readText()") == f"{server.url}/join?code={code}"

    phone = new_page("phone")
    phone.goto(link.input_value())
    expect(phone.locator("#code")).to_have_value(code)
