"""Check-in results on every screen: the console's "too few" message names the minimum
group size; the closing check-in's results reach the phones and the projector in the
grow phase; the phone's count of check-ins is shown only when it is right."""
import asyncio
import threading

from playwright.sync_api import expect

from tests.browser.test_full_session import check_in
from tests.browser.test_join_choice import open_session
from tests.servers import LiveSocket, join_phone


def socket_checkins(url: str, code: str, kind: str, energies) -> None:
    """Phones without a browser (one socket each) that join and check in."""
    async def run():
        for energy in energies:
            phone = await LiveSocket("/phone").connect(url, cookie=join_phone(url, code))
            reply = await phone.call("checkin", {"kind": kind, "scores": {"energy": energy, "supported": 3}})
            assert reply["ok"], reply
            await phone.sio.disconnect()

    # in a thread of its own: Playwright's sync API runs an event loop in this one
    errors = []
    thread = threading.Thread(target=lambda: _run(asyncio.run, run(), errors))
    thread.start()
    thread.join(60)
    assert not errors, errors


def _run(runner, coroutine, errors):
    try:
        runner(coroutine)
    except Exception as err:  # noqa: BLE001 (reported by the caller)
        errors.append(err)


def test_the_console_says_how_many_answers_a_scale_needs(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    console.get_by_role("button", name="Check-in").click()
    expect(console.get_by_role("button", name="Close and show the results")).to_be_visible()
    socket_checkins(server.url, code, "opening", (2, 4, 4))
    expect(console.locator("#checkin-count")).to_contain_text("3 answered, ")
    console.get_by_role("button", name="Close and show the results").click()
    result = console.locator("#checkin-result")
    expect(result).to_contain_text("average 3.33")
    # nobody rated the third scale: withheld on its own, and the console says why
    expect(result).to_contain_text("Too few answers to show (fewer than 3).")
    expect(result).not_to_contain_text("(fewer than )")
    # the questions themselves, as the phones and the projector show them, not their ids
    expect(result).to_contain_text("How much energy do you have today?")
    expect(result).to_contain_text("Running on empty")
    # figures shown: the round stays closed, so there is no button to reopen it
    expect(console.locator("#checkin-toggle")).to_be_hidden()


def test_a_checkin_closed_with_too_few_answers_can_be_reopened_from_the_console(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    console.get_by_role("button", name="Check-in").click()
    # the button turns to "close" once the server's state says the round is open: only
    # then may the phones answer
    expect(console.get_by_role("button", name="Close and show the results")).to_be_visible()
    socket_checkins(server.url, code, "opening", (2, 4))
    expect(console.locator("#checkin-count")).to_contain_text("2 answered, ")
    console.get_by_role("button", name="Close and show the results").click()
    expect(console.locator("#checkin-result")).to_contain_text("Too few answers to show")
    console.get_by_role("button", name="Reopen the check-in").click()
    expect(console.get_by_role("button", name="Close and show the results")).to_be_visible()
    socket_checkins(server.url, code, "opening", (5,))
    expect(console.locator("#checkin-count")).to_contain_text("3 answered, ")
    console.get_by_role("button", name="Close and show the results").click()
    expect(console.locator("#checkin-result")).to_contain_text("How much energy do you have today?")


def _phone(server, new_page, code, name):
    from tests.browser.test_full_session import join

    phone = new_page("phone")
    join(server, phone, code, name=name)
    return phone


def test_the_phone_shows_how_many_checked_in_only_once_the_round_is_closed(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    ana = _phone(server, new_page, code, "Ana")
    console.get_by_role("button", name="Check-in").click()
    expect(ana.locator("#checkin-form")).to_be_visible()
    socket_checkins(server.url, code, "opening", (2, 4))
    expect(console.locator("#checkin-count")).to_contain_text("2 answered, ")
    # phones are not sent a state per check-in: a count here would be stale ("0 people")
    expect(ana.locator("#checkin-count")).to_have_text("")
    check_in(ana, 4)
    console.get_by_role("button", name="Close and show the results").click()
    expect(ana.locator("#checkin-count")).to_have_text("3 answered, 0 passed")
    expect(ana.locator("#checkin-result")).to_contain_text("average 3.33")


def test_the_closing_check_in_results_reach_the_phones_and_the_projector(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    display = new_page("laptop")
    display.goto(console.get_by_role("link", name="Open the projector view").get_attribute("href"))
    ana = _phone(server, new_page, code, "Ana")
    console.get_by_role("button", name="Closing").click()
    console.get_by_role("button", name="Open the check-in").click()
    expect(ana.locator("#checkin-form")).to_be_visible()
    expect(display.locator("#checkin-title")).to_have_text("Closing check-in")
    socket_checkins(server.url, code, "closing", (3, 5))
    check_in(ana, 4, kind="closing")
    expect(ana.locator("#grow-checkin")).to_be_hidden()  # not before the round is closed
    console.get_by_role("button", name="Close and show the results").click()
    for page in (ana, display):
        results = page.locator("#grow-checkin")
        expect(results).to_be_visible()
        expect(results).to_contain_text("Closing check-in")
        expect(results).to_contain_text("average 4")
    expect(ana.locator("#takeaway-form")).to_be_visible()  # the takeaway stays where it was
    expect(display.locator("[data-screen=grow]")).to_be_visible()
