"""The join page in a browser: typing a name chooses "With this name:" (the page's
module), so whoever types a name and taps Join joins with it; choosing "Without a name"
again empties the box."""
import re

from playwright.sync_api import expect

from tests.browser.test_full_session import sign_in_facilitator
from tests.browsers import wait_in_page


def open_session(server, console, roster=""):
    sign_in_facilitator(server, console)
    console.get_by_label("Group name").fill("Home visitors")
    if roster:
        console.get_by_label("Regular members (optional)").fill(roster)
    console.get_by_role("button", name="Create group").click()
    console.get_by_role("button", name="Open the session").click()
    # the phase is written by the console's module, from the server's state: its controls
    # listen from then on (the join code is in the page's HTML, before the module has run)
    expect(console.locator("#phase-name")).to_have_text("Lobby")
    return console.locator("#join-code").inner_text().replace(" ", "")


def test_typing_a_name_chooses_it_and_without_a_name_empties_it(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    phone = new_page("phone")
    phone.goto(server.url + "/join")
    phone.locator("#code").fill(code)
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("#who-none")).to_be_checked()
    phone.locator("#display-name").fill("Sofía")
    expect(phone.locator("#who-typed")).to_be_checked()
    phone.locator("#who-none").check()
    expect(phone.locator("#display-name")).to_have_value("")
    phone.locator("#display-name").press_sequentially("Sofía")
    expect(phone.locator("#who-typed")).to_be_checked()
    phone.locator("#agree").check()
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/p$"))
    expect(console.locator("#people")).to_contain_text("Sofía")


def test_a_name_typed_before_the_page_module_runs_is_chosen_too(server, new_page):
    """On a slow phone the name box can be typed in before join.js has run (it is
    deferred): the name is chosen all the same once it does."""
    console = new_page("laptop")
    code = open_session(server, console)
    phone = new_page("phone")
    held = []
    phone.route(re.compile(r".*/js/join\.js.*"), lambda route: held.append(route))  # kept back until released
    phone.goto(server.url + "/join")
    phone.locator("#code").fill(code)
    phone.locator("main form button[type=submit]").click()
    phone.locator("#display-name").fill("Sofía")
    expect(phone.locator("#who-none")).to_be_checked()  # nothing has reacted to the typing yet
    assert wait_in_page(phone, lambda: held), "join.js was not requested"  # its request reached the route
    held[0].continue_()
    expect(phone.locator("#who-typed")).to_be_checked()
    expect(phone.locator("#display-name")).to_have_value("Sofía")
