"""The console loses nothing and does nothing twice: Next and Previous clicked while
offline move one card, not one card per click; a note is saved at once (not after the
typing pause) before another note is shown, before the session ends and the page goes
to the summary, and leaving the page while a save is unanswered asks first."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.a11y import flows


def _console(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    flows.open_session(server, console)
    expect(console.locator("#connection")).to_have_text("Connected")
    return console


def test_next_clicked_twice_offline_moves_one_card(server, new_page):
    console = _console(server, new_page)
    flows.phase(console, "reflect")
    expect(console.locator("#current-card")).to_contain_text("Card 1 of")
    console.context.set_offline(True)
    expect(console.locator("#connection")).not_to_have_text("Connected")
    console.get_by_role("button", name="Next card").click()
    console.get_by_role("button", name="Next card").click()
    console.locator("#lock-room").click()  # sent after both: once it is applied, so are they
    console.context.set_offline(False)
    expect(console.locator("#connection")).to_have_text("Connected")
    expect(console.locator("#lock-room")).to_be_checked()
    expect(console.locator("#current-card")).to_contain_text("Card 2 of")
    console.reload()
    expect(console.locator("#current-card")).to_contain_text("Card 2 of")
    console.get_by_role("button", name="Previous card").click()
    expect(console.locator("#current-card")).to_contain_text("Card 1 of")


def test_a_note_is_saved_before_a_new_one_is_started(server, new_page):
    console = _console(server, new_page)
    console.locator("#note-text").fill("Typed just before New note")
    console.locator("#new-note").click()  # within the typing pause
    expect(console.locator("#notes")).to_contain_text("Typed just before New note")
    expect(console.locator("#note-text")).to_have_value("")


def test_a_note_is_saved_before_another_is_opened_and_not_into_it(server, new_page):
    console = _console(server, new_page)
    console.locator("#note-text").fill("Alpha")
    expect(console.locator("#note-status")).to_have_text("Saved")
    console.locator("#new-note").click()
    console.locator("#note-text").fill("Beta, typed just before opening Alpha")
    console.get_by_role("button", name=re.compile("^Edit")).first.click()
    expect(console.locator("#note-text")).to_have_value("Alpha")
    expect(console.locator("#notes li")).to_have_count(2)
    expect(console.locator("#notes")).to_contain_text("Beta, typed just before opening Alpha")
    console.wait_for_timeout(1200)  # the pause's save, had it been left running
    texts = console.locator("#notes .note-text").all_inner_texts()
    assert sorted(texts) == ["Alpha", "Beta, typed just before opening Alpha"], texts


def test_a_note_typed_just_before_ending_the_session_is_in_the_summary(server, new_page):
    console = _console(server, new_page)
    console.locator("#note-text").fill("Last words before the end")
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="End the session").click()
    expect(console.get_by_role("heading", name=re.compile("^Summary"))).to_be_visible()
    expect(console.locator("main")).to_contain_text("Last words before the end")


def test_leaving_while_a_note_is_not_saved_asks_first(server, new_page):
    console = _console(server, new_page)
    leaving = "(() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()"
    assert console.evaluate(leaving) is False
    console.context.set_offline(True)
    expect(console.locator("#connection")).not_to_have_text("Connected")
    console.locator("#note-text").fill("Written with no network")
    assert console.evaluate(leaving) is True  # sent at once, and waiting for its reply
    console.context.set_offline(False)
    expect(console.locator("#note-status")).to_have_text("Saved")
    assert console.evaluate(leaving) is False
    expect(console.locator("#notes")).to_contain_text("Written with no network")
