"""Light on a weak network: what a phone downloads the first time it opens /join and the
participant page (/p), counted by Chromium itself (the encoded, compressed body of every
response, and its headers), with an empty cache.

Budget: 40 KiB for the whole first visit — /join, the code, the agreements and the
participant page with its CSS, its scripts and the vendored Socket.IO client (system
fonts, so no font files). Every text response arrives gzip-compressed, and every static
file under a versioned URL cached for a year, immutable."""
from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.a11y import flows
from tests.servers import join_phone

BUDGET = 40 * 1024


class Traffic:
    """Every request a page finished, with what Chromium counted for it."""

    def __init__(self, page):
        self.requests = []
        page.on("requestfinished", lambda request: self.requests.append(request))

    def rows(self) -> list[dict]:
        rows = []
        for request in self.requests:
            if request.url.startswith("data:"):
                continue
            sizes = request.sizes()
            response = request.response()
            headers = response.all_headers() if response else {}
            cached = sizes["responseBodySize"] < 0  # Chromium's way of saying "from the cache"
            rows.append({
                "url": request.url, "status": response.status if response else None,
                "body": 0 if cached else sizes["responseBodySize"],
                "headers": 0 if cached else sizes["responseHeadersSize"],
                "encoding": headers.get("content-encoding"), "type": headers.get("content-type", ""),
                "cache": headers.get("cache-control", ""),
            })
        return rows


def total(rows) -> int:
    return sum(r["body"] + r["headers"] for r in rows)


def report(name: str, rows) -> str:
    lines = [f"{name}: {total(rows)} bytes ({sum(r['body'] for r in rows)} of bodies)"]
    lines += [f"  {r['body']:>6} + {r['headers']:>4}  {r['encoding'] or '-':<5} {r['status']} {r['url']}" for r in rows]
    return "\n".join(lines)


def check_delivery(rows) -> None:
    for r in rows:
        if r["status"] == 200 and re.match(r"text/|application/(json|javascript)", r["type"]) and r["body"] > 600:
            assert r["encoding"] == "gzip", r
        if "/static/" in r["url"]:
            assert "?v=" in r["url"], r
            assert "max-age=31536000" in r["cache"] and "immutable" in r["cache"], r


def test_the_first_visit_from_join_to_the_participant_page_fits_in_40_kib(server, new_page, capsys):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)

    phone = new_page("phone")
    traffic = Traffic(phone)
    phone.goto(server.url + "/join")
    phone.wait_for_load_state("networkidle")
    join_rows = traffic.rows()
    phone.locator("#code").fill(code)
    phone.locator("main form button[type=submit]").click()
    phone.locator("#agree").check()
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("[data-screen=lobby]")).to_be_visible()
    expect(phone.locator("#connection")).to_have_text("")
    phone.wait_for_load_state("networkidle")
    journey = traffic.rows()

    # /p on its own, cold: a phone that already joined and comes back with an empty cache
    cookie = join_phone(server.url, code, name="Beto")
    cold = new_page("phone")
    name, value = cookie.split("=", 1)
    cold.context.add_cookies([{"name": name, "value": value, "url": server.url}])
    cold_traffic = Traffic(cold)
    cold.goto(server.url + "/p")
    expect(cold.locator("[data-screen=lobby]")).to_be_visible()
    cold.wait_for_load_state("networkidle")
    participant_rows = cold_traffic.rows()

    with capsys.disabled():
        for name, rows in (("/join", join_rows), ("/join → /p", journey), ("/p (cold)", participant_rows)):
            print("\n" + report(name, rows))
        print(json.dumps({"join": total(join_rows), "journey": total(journey), "participant": total(participant_rows)}))

    assert any("socket.io.esm.min.js" in r["url"] for r in participant_rows)
    assert any(r["url"].endswith("/p") for r in participant_rows)
    for rows in (join_rows, journey, participant_rows):
        check_delivery(rows)
    assert total(join_rows) <= BUDGET, report("/join", join_rows)
    assert total(participant_rows) <= BUDGET, report("/p", participant_rows)
    assert total(journey) <= BUDGET, report("/join → /p", journey)

