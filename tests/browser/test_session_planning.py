"""A facilitator sets a session up ahead in the browser: the date and time the group
meets, shown on the console's lobby, moved there, and the code already works."""
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.browser.test_full_session import sign_in_facilitator


def _first_tuesday_of_next_january() -> datetime:
    new_year = datetime(datetime.now().year + 1, 1, 1, 15, 30)
    return new_year + timedelta(days=(1 - new_year.weekday()) % 7)


def test_a_session_planned_ahead_shows_its_date_can_move_it_and_lets_phones_in(server, new_page):
    when = _first_tuesday_of_next_january()
    console = new_page("laptop")
    sign_in_facilitator(server, console)
    console.get_by_label("Group name").fill("Home visitors")
    console.get_by_role("button", name="Create group").click()
    console.get_by_label("Date and time the group meets (optional)").fill(when.strftime("%Y-%m-%dT%H:%M"))
    console.get_by_role("button", name="Open the session").click()

    planned = console.locator("#planned-for")
    expect(planned).to_have_text(f"Planned for Tuesday, January {when.day}, {when.year}, 3:30 PM.")
    console.get_by_text("Change the date and time").click()
    later = when + timedelta(days=7)
    console.get_by_label("Date and time the group meets (optional)").fill(later.strftime("%Y-%m-%dT%H:%M"))
    console.get_by_role("button", name="Save the date and time").click()
    expect(planned).to_have_text(f"Planned for Tuesday, January {later.day}, {later.year}, 3:30 PM.")
    expect(console.get_by_text("Date and time saved.")).to_be_visible()

    code = console.locator("#join-code").inner_text().replace(" ", "")
    phone = new_page("phone")
    phone.goto(f"{server.url}/join")
    phone.locator("#code").fill(code)
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("#agree")).to_be_visible()

    console.goto(server.url + "/facilitate")
    expect(console.get_by_role("cell", name=f"Jan {later.day}, {later.year}, 3:30 PM")).to_be_visible()
