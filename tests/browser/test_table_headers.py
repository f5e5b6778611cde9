"""No table header breaks inside a word ("Hour s", "Tot al"): on a phone, a header wraps
between words, and the table scrolls sideways in its own box when it must."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.a11y import flows
from tests.servers import create_account

# Words of every header cell drawn on more than one line (a word split across lines).
SPLIT_WORDS = """() => {
  const split = [];
  for (const th of document.querySelectorAll("th")) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


def test_table_headers_never_break_inside_a_word(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    flows.open_session(server, console)
    create_account(server, "boss@example.org", "admin", flows.PASSWORD)
    page = new_page("phone", locale="es-ES")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(server.url + "/login")
    page.locator("input[type=email]").fill("boss@example.org")
    page.locator("input[type=password]").fill(flows.PASSWORD)
    page.locator("main form button[type=submit]").click()
    for path in ("/admin/users", "/review/"):
        page.goto(server.url + path)
        expect(page.locator("th").first).to_be_visible()
        assert page.evaluate(SPLIT_WORDS) == [], path
    page.locator("main a[href*='/review/groups/']").first.click()
    expect(page.locator("th").first).to_be_visible()
    assert page.evaluate(SPLIT_WORDS) == []
