"""The console's private notes: clearing a saved note's text saves the blank note (the
old words, maybe shared with the supervisor, do not stay), and a note can be deleted
after a confirmation."""
from playwright.sync_api import expect

from tests.browser.test_join_choice import open_session


def test_clearing_a_saved_note_saves_it_blank_and_a_note_can_be_deleted(server, new_page):
    console = new_page("laptop")
    open_session(server, console)
    console.locator("#note-text").fill("Parallel process with the classroom")
    expect(console.locator("#note-status")).to_have_text("Saved")
    notes = console.locator("#notes li")
    expect(notes).to_have_count(1)
    expect(notes.first.locator(".note-text")).to_have_text("Parallel process with the classroom")

    console.locator("#note-text").fill("")
    expect(console.locator("#note-status")).to_have_text("Saved")
    expect(notes.first.locator(".note-text")).to_have_text("")
    console.reload()  # what the server kept
    expect(console.locator("#phase-name")).to_have_text("Lobby")
    expect(console.locator("#notes li")).to_have_count(1)
    expect(console.locator("#notes li .note-text")).to_have_text("")

    delete = console.get_by_role("button", name="Delete note: Lobby, card —")
    console.once("dialog", lambda dialog: dialog.dismiss())  # "cancel" keeps it
    delete.click()
    console.wait_for_timeout(300)
    expect(console.locator("#notes li")).to_have_count(1)
    console.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(console.locator("#notes li")).to_have_count(0)
    expect(console.locator("#note-status")).to_have_text("Note deleted")
    console.reload()
    expect(console.locator("#phase-name")).to_have_text("Lobby")  # the state drawn, notes and all
    expect(console.locator("#notes li")).to_have_count(0)
