"""The console's tag box keeps what the facilitator typed while the last tag was being
added: the console's new state (with the tag) arrives before the command's reply, so a
facilitator can already be typing the next tag when the reply comes."""
from playwright.sync_api import expect

from tests.browser.test_full_session import sign_in_facilitator
from tests.browsers import wait_in_page


class HoldTagReply:
    """Route the console's websocket to the server, passing every message through but
    the reply to ``tag_add`` (a Socket.IO acknowledgement on /facilitator carrying the
    new tag's id), which is kept until ``release``."""

    def __init__(self):
        self.held: list[str] = []
        self.page_side = None

    def __call__(self, ws):
        self.page_side = ws
        to_server = ws.connect_to_server()

        def from_server(message):
            if (isinstance(message, str) and message.startswith("43/facilitator,") and '"tag":' in message
                    and not self.held):
                self.held.append(message)
                return
            ws.send(message)

        to_server.on_message(from_server)

    def wait_until_held(self, page, timeout_ms=5000):
        """The reply is sent after the state, so it may reach the route a moment after
        the page shows the tag; Playwright runs the route's handler while the page waits."""
        wait_in_page(page, lambda: self.held, timeout_ms)
        return len(self.held)

    def release(self):
        self.page_side.send(self.held[0])


def test_a_tag_typed_while_the_last_one_is_being_added_stays_in_the_box(server, new_page):
    console = new_page("laptop")
    reply = HoldTagReply()
    console.route_web_socket("**/socket.io/**", reply)
    sign_in_facilitator(server, console)
    console.get_by_label("Group name").fill("Home visitors")
    console.get_by_role("button", name="Create group").click()
    console.get_by_role("button", name="Open the session").click()
    expect(console.locator("#phase-name")).to_have_text("Lobby")  # the console's module has run

    console.locator("#new-tag").fill("Rupture and repair")
    console.locator("#add-tag").click()
    expect(console.locator("#note-tags")).to_contain_text("Rupture and repair")  # the state came
    assert reply.wait_until_held(console) == 1  # the command's reply is held back
    console.locator("#new-tag").fill("Holding the baby in mind")
    reply.release()
    # a note saved now is answered on the same socket after the released reply: once it
    # is, the page has handled the tag's reply too
    console.locator("#note-text").fill("Noticing the pull to fix")
    expect(console.locator("#note-status")).to_have_text("Saved")
    expect(console.locator("#new-tag")).to_have_value("Holding the baby in mind")
    console.locator("#add-tag").click()
    expect(console.locator("#note-tags")).to_contain_text("Holding the baby in mind")
