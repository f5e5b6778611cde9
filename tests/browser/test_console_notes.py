"""The console's private notes: clearing a saved note's text saves the blank note (the
old words, maybe shared with the supervisor, do not stay), and a note can be deleted
after a confirmation; a note typed before the console's module has run is saved too."""
import re

from playwright.sync_api import expect

from tests.browser.test_full_session import sign_in_facilitator
from tests.browser.test_join_choice import open_session
from tests.browsers import wait_in_page


def test_a_note_typed_before_the_console_module_runs_is_saved(server, new_page):
    """On a slow laptop the note box can be typed in before console.js has run (it is
    deferred): the note is saved once it does, and is there after a reload."""
    console = new_page("laptop")
    sign_in_facilitator(server, console)
    console.get_by_label("Group name").fill("Home visitors")
    console.get_by_role("button", name="Create group").click()
    held = []
    console.route(re.compile(r".*/js/console\.js.*"), lambda route: held.append(route))  # kept back until released
    console.get_by_role("button", name="Open the session").click()
    console.locator("#note-text").fill("Noticing my own hurry")
    assert wait_in_page(console, lambda: held), "console.js was not requested"  # its request reached the route
    expect(console.locator("#note-status")).to_have_text("")  # nothing has reacted to the typing yet
    held[0].continue_()
    console.unroute(re.compile(r".*/js/console\.js.*"))  # the reload below loads it at once
    expect(console.locator("#note-status")).to_have_text("Saved")
    console.reload()  # what the server kept
    expect(console.locator("#phase-name")).to_have_text("Lobby")
    expect(console.locator("#notes li .note-text")).to_have_text(["Noticing my own hurry"])
    expect(console.locator("#note-text")).to_have_value("")  # the box is for a new note


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
