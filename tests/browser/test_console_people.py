"""The console's people lists: someone waiting in a locked room can be let in or turned
away; removing someone (or turning them away) is asked first."""
from playwright.sync_api import expect

from tests.browser.test_full_session import join
from tests.browser.test_join_choice import open_session


def test_a_waiting_person_can_be_turned_away_and_removing_is_confirmed(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    ana = new_page("phone")
    join(server, ana, code, name="Ana")
    expect(console.locator("#people")).to_contain_text("Ana")
    console.locator("#lock-room").check()
    console.reload()  # the box as the server's state has it: locked before Beto comes
    expect(console.locator("#phase-name")).to_have_text("Lobby")
    expect(console.locator("#lock-room")).to_be_checked()
    expect(ana.locator("[data-screen=lobby]")).to_be_visible()
    beto = new_page("phone")
    join(server, beto, code, name="Beto")
    expect(beto.get_by_role("heading", name="Almost there")).to_be_visible()

    expect(console.get_by_role("button", name="Let in: Beto")).to_be_visible()
    turn_away = console.get_by_role("button", name="Turn away: Beto")
    console.once("dialog", lambda dialog: dialog.dismiss())
    turn_away.click()
    console.wait_for_timeout(300)
    expect(console.locator("#waiting")).to_contain_text("Beto")
    console.once("dialog", lambda dialog: dialog.accept())
    turn_away.click()
    expect(beto.get_by_role("heading", name="You are no longer in this session.")).to_be_visible()
    expect(console.locator("#waiting")).not_to_contain_text("Beto")

    remove = console.get_by_role("button", name="Remove: Ana")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    console.once("dialog", dismiss)
    remove.click()
    console.wait_for_timeout(300)
    assert messages == ["Remove Ana from this session? Their phone will stop showing it."]
    expect(ana.locator("[data-screen=lobby]")).to_be_visible()
    console.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    expect(ana.get_by_role("heading", name="You are no longer in this session.")).to_be_visible()


def test_someone_removed_by_mistake_can_be_let_back_in(server, new_page):
    console = new_page("laptop")
    code = open_session(server, console)
    ana = new_page("phone")
    join(server, ana, code, name="Ana")
    expect(console.locator("#removed-box")).to_be_hidden()
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="Remove: Ana").click()
    expect(ana.get_by_role("heading", name="You are no longer in this session.")).to_be_visible()
    expect(console.locator("#removed-box")).to_be_visible()
    console.get_by_role("button", name="Let back in: Ana").click()
    expect(ana.locator("[data-screen=lobby]")).to_be_visible()
    expect(console.locator("#removed-box")).to_be_hidden()
    expect(console.locator("#people")).to_contain_text("Ana")
