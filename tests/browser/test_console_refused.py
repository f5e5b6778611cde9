"""A console command the server refuses changes nothing, and the console says so: the
control shows the real state again (not what was attempted), and the reason is in its
own alert (not the connection line), cleared by the next command that succeeds."""
import json
import re

from playwright.sync_api import expect

from tests.browser.test_join_choice import open_session

EVENT = re.compile(r"^42/facilitator,(\d+)\[\"(\w+)\"")


class RefuseCommands:
    """Route the console's websocket, answering the commands named in ``refuse`` with a
    refusal instead of passing them to the server."""

    def __init__(self):
        self.refuse: set[str] = set()

    def __call__(self, ws):
        server = ws.connect_to_server()

        def from_page(message):
            found = EVENT.match(message) if isinstance(message, str) else None
            if found and found.group(2) in self.refuse:
                reply = {"ok": False, "error": {"code": "forbidden", "message": "Refused by the test."}}
                ws.send(f"43/facilitator,{found.group(1)}{json.dumps([reply])}")
                return
            server.send(message)

        ws.on_message(from_page)


def test_a_refused_command_puts_the_controls_back_and_says_why(server, new_page):
    console = new_page("laptop")
    route = RefuseCommands()
    console.route_web_socket("**/socket.io/**", route)
    open_session(server, console)
    expect(console.locator("#connection")).to_have_text("Connected")

    route.refuse = {"lock", "card"}
    console.locator("#lock-room").click()
    expect(console.get_by_role("alert")).to_have_text("Refused by the test.")
    expect(console.locator("#lock-room")).not_to_be_checked()
    expect(console.locator("#connection")).to_have_text("Connected")

    console.get_by_role("button", name="Reflect").click()  # passed on: succeeds
    expect(console.locator("#command-error")).to_have_text("")
    expect(console.locator("#card-text, #current-card .card-text")).not_to_be_empty()
    console.locator("#jump-card").select_option("2")
    expect(console.locator("#command-error")).to_have_text("Refused by the test.")
    expect(console.locator("#jump-card")).to_have_value("0")
    expect(console.locator("#current-card")).to_contain_text("Card 1 of")

    route.refuse = set()
    console.locator("#allow-names").click()
    expect(console.locator("#command-error")).to_have_text("")
