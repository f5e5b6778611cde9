"""Check-in results on every screen: the console's "too few" message names the minimum
group size; the closing check-in's results reach the phones and the projector in the
grow phase; the phone's count of check-ins is shown only when it is right."""
import asyncio
import threading

from playwright.sync_api import expect

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
    expect(console.locator("#checkin-count")).to_contain_text("3 checked in")
    console.get_by_role("button", name="Close and show the results").click()
    result = console.locator("#checkin-result")
    expect(result).to_contain_text("average 3.33")
    # nobody rated the third scale: withheld on its own, and the console says why
    expect(result).to_contain_text("Too few answers to show (fewer than 3).")
    expect(result).not_to_contain_text("(fewer than )")
